// The $filter parser and its translation against an entity: the grammar Graph clients use, OData quoting,
// precise errors with positions, and refusal of what the collections do not support.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CA_ENTITY, type EntityDefinition, PKI_ENTITY } from '../../src/graph/entities.ts';
import { filterCondition } from '../../src/graph/filter-translation.ts';
import { FilterSyntaxError, FilterUnsupportedError, parseFilter } from '../../src/graph/odata-filter.ts';

describe('parseFilter', () => {
  it('parses comparisons, in, startswith and the boolean operators with OData precedence', () => {
    assert.deepEqual(parseFilter("displayName eq 'A' or status eq 'b' and not(displayName ne null)"), {
      type: 'or',
      left: { type: 'compare', op: 'eq', property: 'displayName', value: { type: 'string', value: 'A' }, position: 1 },
      right: {
        type: 'and',
        left: { type: 'compare', op: 'eq', property: 'status', value: { type: 'string', value: 'b' }, position: 23 },
        right: { type: 'not', operand: { type: 'compare', op: 'ne', property: 'displayName', value: { type: 'null' }, position: 45 } },
      },
    });
    assert.deepEqual(parseFilter("id in ('a', 'b')"), {
      type: 'in', property: 'id', values: [{ type: 'string', value: 'a' }, { type: 'string', value: 'b' }], position: 1,
    });
    assert.deepEqual(parseFilter("startsWith(displayName,'Con')"), {
      type: 'startswith', property: 'displayName', value: { type: 'string', value: 'Con' }, position: 1,
    });
  });

  it("decodes '' as one quote and keeps spaces and unicode", () => {
    const node = parseFilter("displayName eq 'O''Brien ''CA'' – Zürich'");
    assert.equal(node.type === 'compare' && node.value.type === 'string' && node.value.value, "O'Brien 'CA' – Zürich");
  });

  it('reads DateTimeOffset, boolean, number and enum literals', () => {
    const value = (text: string) => {
      const node = parseFilter(`x eq ${text}`);
      return node.type === 'compare' ? node.value : undefined;
    };
    assert.deepEqual(value('2024-10-16T18:09:56Z'), { type: 'datetime', value: Date.UTC(2024, 9, 16, 18, 9, 56), text: '2024-10-16T18:09:56Z' });
    assert.equal((value('2024-10-16T20:09:56.5+02:00') as { value: number }).value, Date.UTC(2024, 9, 16, 18, 9, 56, 500));
    assert.deepEqual(value('true'), { type: 'boolean', value: true });
    assert.deepEqual(value('-12.5'), { type: 'number', value: -12.5 });
    assert.deepEqual(value("microsoft.graph.certificateAuthorityType'root'"), { type: 'enum', typeName: 'microsoft.graph.certificateAuthorityType', value: 'root' });
  });

  const syntaxErrors: Array<[string, number, RegExp]> = [
    ["displayName eq 'open", 16, /unterminated string/],
    ['displayName eq', 15, /expected a literal/],
    ["displayName 'x'", 13, /expected an operator/],
    ["(displayName eq 'x'", 20, /expected '\)'/],
    ["displayName eq 'x')", 19, /expected 'and', 'or' or the end/],
    ["displayName eq 'x' xor status eq 'y'", 20, /expected 'and', 'or' or the end/],
    ['displayName eq #', 16, /unexpected character '#'/],
    ["frob(displayName,'x')", 1, /unknown function 'frob'/],
    ['displayName like 1', 13, /unknown operator 'like'/],
    ['lastModifiedDateTime ge 2024-13-45T00:00:00Z', 25, /not a valid DateTimeOffset/],
  ];
  for (const [text, position, message] of syntaxErrors) {
    it(`reports a syntax error with its position: ${text}`, () => {
      assert.throws(() => parseFilter(text), (error: unknown) => error instanceof FilterSyntaxError && error.position === position && message.test(error.message));
    });
  }

  it('refuses unsupported functions and operators as unsupported, not as syntax errors', () => {
    assert.throws(() => parseFilter("endswith(displayName,'x')"), FilterUnsupportedError);
    assert.throws(() => parseFilter("contains(displayName,'x')"), FilterUnsupportedError);
    assert.throws(() => parseFilter('x has 1'), FilterUnsupportedError);
  });

  it('parses the lambda any over a property path, its variable standing for one element', () => {
    assert.deepEqual(parseFilter("authorizationInfo/certificateUserIds/any(x:x eq 'X509:<PN>bob@contoso.com')"), {
      type: 'any',
      collection: 'authorizationInfo/certificateUserIds',
      variable: 'x',
      predicate: { type: 'compare', op: 'eq', property: 'x', value: { type: 'string', value: 'X509:<PN>bob@contoso.com' }, position: 44 },
      position: 1,
    });
    const node = parseFilter("not(a/any(p: startswith(p, 'X509:<SKI>') or p eq 'z')) and displayName eq 'D'");
    assert.equal(node.type, 'and');
    assert.deepEqual(node.type === 'and' && node.left, {
      type: 'not',
      operand: {
        type: 'any',
        collection: 'a',
        variable: 'p',
        predicate: {
          type: 'or',
          left: { type: 'startswith', property: 'p', value: { type: 'string', value: 'X509:<SKI>' }, position: 14 },
          right: { type: 'compare', op: 'eq', property: 'p', value: { type: 'string', value: 'z' }, position: 45 },
        },
        position: 5,
      },
    });
  });

  it('refuses all(), any() without a predicate, and malformed lambdas', () => {
    assert.throws(() => parseFilter("a/all(x:x eq 'v')"), (e: unknown) => e instanceof FilterUnsupportedError && /'all' is not supported/.test(e.message));
    assert.throws(() => parseFilter('a/any()'), FilterUnsupportedError);
    assert.throws(() => parseFilter("a/any(x x eq 'v')"), (e: unknown) => e instanceof FilterSyntaxError && /expected ':'/.test(e.message) && e.position === 9);
    assert.throws(() => parseFilter("a/any(x:x eq 'v'"), (e: unknown) => e instanceof FilterSyntaxError && /expected '\)'/.test(e.message));
    assert.throws(() => parseFilter("a/some(x:x eq 'v')"), (e: unknown) => e instanceof FilterSyntaxError && /unknown function 'some'/.test(e.message));
    assert.throws(() => parseFilter("a/any('v':x eq 'v')"), (e: unknown) => e instanceof FilterSyntaxError && /lambda variable/.test(e.message));
  });

  it('bounds nesting so a hostile filter cannot exhaust the stack', () => {
    const deep = `${'('.repeat(5000)}displayName eq 'x'${')'.repeat(5000)}`;
    assert.throws(() => parseFilter(deep), /nests deeper than 50/);
    const nots = `${'not '.repeat(5000)}displayName eq 'x'`;
    assert.throws(() => parseFilter(nots), /nests deeper than 50/);
  });
});

describe('filterCondition', () => {
  const translate = (text: string, entity = PKI_ENTITY) => filterCondition(parseFilter(text), entity);

  it('maps to the neutral condition with typed values', () => {
    assert.deepEqual(translate("displayName eq 'A' and lastModifiedDateTime lt 2024-01-01T00:00:00Z"), {
      kind: 'and',
      conditions: [
        { kind: 'compare', field: 'displayName', op: 'eq', value: 'A' },
        { kind: 'compare', field: 'lastModifiedDateTime', op: 'lt', value: Date.UTC(2024, 0, 1) },
      ],
    });
    assert.deepEqual(translate("certificateAuthorityType in ('root', microsoft.graph.certificateAuthorityType'intermediate')", CA_ENTITY), {
      kind: 'in', field: 'certificateAuthorityType', values: ['root', 'intermediate'],
    });
    assert.deepEqual(translate('isIssuerHintEnabled eq true', CA_ENTITY), { kind: 'compare', field: 'isIssuerHintEnabled', op: 'eq', value: true });
  });

  const unsupported: Array<[string, RegExp]> = [
    ["bogus eq 'x'", /property named 'bogus'/],
    ["statusDetails eq 'x'", /'statusDetails' does not support \$filter/],
    ["displayName gt 'x'", /operator 'gt'.*'displayName'/],
    ['lastModifiedDateTime eq null or startswith(lastModifiedDateTime,\'2024\')', /operator 'startswith'.*'lastModifiedDateTime'/],
  ];
  for (const [text, message] of unsupported) {
    it(`refuses as unsupported: ${text}`, () => {
      assert.throws(() => translate(text), (error: unknown) => error instanceof FilterUnsupportedError && message.test(error.message));
    });
  }

  it('refuses a thumbprint ne (only eq and startswith are documented)', () => {
    assert.throws(() => translate("thumbprint ne 'AB'", CA_ENTITY), FilterUnsupportedError);
  });

  const mistyped: Array<[string, RegExp]> = [
    ['displayName eq 5', /must be a quoted string/],
    ["lastModifiedDateTime ge '2024-01-01T00:00:00Z'", /DateTimeOffset/],
    ["status eq true", /quoted string/],
    ['lastModifiedDateTime ge null', /cannot be compared with null/],
  ];
  for (const [text, message] of mistyped) {
    it(`refuses a mistyped literal: ${text}`, () => {
      assert.throws(() => translate(text), (error: unknown) => error instanceof FilterSyntaxError && message.test(error.message));
    });
  }

  const withIds: EntityDefinition = {
    ...PKI_ENTITY,
    lambdaCollections: { 'authorizationInfo/certificateUserIds': { field: 'certificateUserIds', operators: ['eq', 'in', 'startswith'] } },
  };

  it('maps any() to a condition on one element of the collection field', () => {
    assert.deepEqual(translate("authorizationInfo/certificateUserIds/any(x:x eq 'A' or startswith(x,'B') or x in ('C', 'D'))", withIds), {
      kind: 'any',
      field: 'certificateUserIds',
      condition: {
        kind: 'or',
        conditions: [
          { kind: 'or', conditions: [{ kind: 'eq', value: 'A' }, { kind: 'startsWith', prefix: 'B' }] },
          { kind: 'or', conditions: [{ kind: 'eq', value: 'C' }, { kind: 'eq', value: 'D' }] },
        ],
      },
    });
    assert.deepEqual(translate("not(authorizationInfo/certificateUserIds/any(x:not(x eq 'A')))", withIds), {
      kind: 'not',
      condition: { kind: 'any', field: 'certificateUserIds', condition: { kind: 'not', condition: { kind: 'eq', value: 'A' } } },
    });
  });

  it('refuses any() on what is no collection, other variables, other operators and non-strings', () => {
    const refuses = (text: string, type: typeof FilterUnsupportedError | typeof FilterSyntaxError, message: RegExp) =>
      assert.throws(() => translate(text, withIds), (e: unknown) => e instanceof type && message.test(e.message));
    refuses("certificateUserIds/any(x:x eq 'A')", FilterUnsupportedError, /collection named 'certificateUserIds'/);
    refuses("displayName/any(x:x eq 'A')", FilterUnsupportedError, /collection named 'displayName'/);
    refuses("authorizationInfo/certificateUserIds/any(x:y eq 'A')", FilterUnsupportedError, /only the lambda variable 'x'.*found 'y'/);
    refuses("authorizationInfo/certificateUserIds/any(x:x ne 'A')", FilterUnsupportedError, /operator 'ne'/);
    refuses("authorizationInfo/certificateUserIds/any(x:x gt 'A')", FilterUnsupportedError, /operator 'gt'/);
    refuses('authorizationInfo/certificateUserIds/any(x:x eq 5)', FilterSyntaxError, /must be a quoted string/);
    refuses("authorizationInfo/certificateUserIds eq 'A'", FilterUnsupportedError, /property named 'authorizationInfo\/certificateUserIds'/);
  });

  it('refuses enum values that are not members, and mistyped booleans', () => {
    assert.throws(() => translate("certificateAuthorityType eq 'unknownFutureValue'", CA_ENTITY), /one of 'root', 'intermediate'/);
    assert.throws(() => translate("isIssuerHintEnabled eq 'true'", CA_ENTITY), /true or false/);
  });
});
