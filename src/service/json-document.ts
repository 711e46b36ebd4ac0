// Whole JSON documents a user hands us (a seed file, a tenant snapshot): checked strictly against a
// TypeBox schema, and every problem reported with the JSON path of the value at fault
// (`$.tenants[0].pkis[1].certificateAuthorities[2].certificate`), whether the schema or a later semantic
// check found it.
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { previewJson } from '../diagnostics/json-preview.ts';
import { GraphError } from './errors.ts';
import { findUnstorableText } from './storable-text.ts';

/** A problem at one place of a document. */
export class DocumentProblem extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'DocumentProblem';
  }
}

export type PathSegment = string | number;

/** `$`, then `.name` or `['odd name']` per property and `[i]` per array index. */
export function jsonPath(segments: readonly PathSegment[]): string {
  return segments.reduce<string>((path, segment) => {
    if (typeof segment === 'number') return `${path}[${segment}]`;
    return /^[A-Za-z_$][\w$]*$/.test(segment) ? `${path}.${segment}` : `${path}[${JSON.stringify(segment)}]`;
  }, '$');
}

/** Runs one of the Graph API's checks on part of a document; its 400 becomes a problem at that path. */
export function problemAt<T>(path: readonly PathSegment[], check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw asDocumentProblem(path, error);
  }
}

/** problemAt for checks that need the database (inside the caller's transaction). */
export async function problemAtAsync<T>(path: readonly PathSegment[], check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    throw asDocumentProblem(path, error);
  }
}

function asDocumentProblem(path: readonly PathSegment[], error: unknown): unknown {
  return error instanceof GraphError && error.status === 400 ? new DocumentProblem(jsonPath(path), error.message.replace(/\.$/, '')) : error;
}

export interface DocumentChecker<T extends TSchema> {
  /** The value typed by the schema; throws a DocumentProblem describing the first thing wrong. */
  check(value: unknown): Static<T>;
}

export function documentChecker<T extends TSchema>(schema: T): DocumentChecker<T> {
  const validator = Compile(schema);
  return {
    check(value) {
      // The same rule as for every request (http/storable-input.ts): text both databases keep as it came.
      const unstorable = findUnstorableText(value);
      if (unstorable) throw new DocumentProblem(jsonPath(unstorable.segments), `holds ${unstorable.problem}, which cannot be stored`);
      if (validator.Check(value)) return value as Static<T>;
      const [first] = validator.Errors(value);
      if (!first) throw new DocumentProblem('$', 'the document does not have the expected form');
      throw describe(schema, value, first);
    },
  };
}

interface SchemaError {
  readonly keyword: string;
  readonly schemaPath: string;
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message: string;
}

function describe(root: TSchema, document: unknown, error: SchemaError): DocumentProblem {
  const segments = pointerSegments(error.instancePath).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const value = valueAt(document, segments);
  const schema = schemaAt(root, error.schemaPath);
  const found = ` (found ${previewJson(value, 'nothing')})`;
  switch (error.keyword) {
    case 'boolean':
      // `additionalProperties: false` reports the extra property itself.
      return new DocumentProblem(jsonPath(segments), `unknown property${allowedProperties(schemaAt(root, error.schemaPath.replace(/\/additionalProperties$/, '')))}`);
    case 'additionalProperties':
      return new DocumentProblem(
        jsonPath([...segments, String((error.params.additionalProperties as unknown[] | undefined)?.[0] ?? '')]),
        `unknown property${allowedProperties(schema)}`,
      );
    case 'required': {
      const missing = (error.params.requiredProperties as unknown[] | undefined)?.map(String) ?? [];
      return new DocumentProblem(jsonPath(segments), `missing required ${missing.length === 1 ? 'property' : 'properties'} ${missing.map((m) => `'${m}'`).join(', ')}`);
    }
    case 'pattern':
    case 'format':
      return new DocumentProblem(jsonPath(segments), `${previewJson(value, 'nothing')} is not ${typeof schema?.description === 'string' ? schema.description : `in the expected form (${error.message})`}`);
    case 'enum':
      return new DocumentProblem(jsonPath(segments), `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${found}`);
    case 'const':
      return new DocumentProblem(jsonPath(segments), `must be ${JSON.stringify(error.params.allowedValue)}${found}`);
    case 'type':
      return new DocumentProblem(jsonPath(segments), `${error.message}${found}`);
    default:
      return new DocumentProblem(jsonPath(segments), error.message);
  }
}

function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function valueAt(document: unknown, segments: readonly PathSegment[]): unknown {
  let value = document;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[String(segment)];
  }
  return value;
}

/** The (sub)schema a schemaPath such as `#/properties/tenants/items` names. */
function schemaAt(root: TSchema, schemaPath: string): Record<string, unknown> | undefined {
  let schema: unknown = root;
  for (const segment of pointerSegments(schemaPath.replace(/^#/, ''))) {
    if (schema === null || typeof schema !== 'object') return undefined;
    schema = (schema as Record<string, unknown>)[segment];
  }
  return schema !== null && typeof schema === 'object' ? (schema as Record<string, unknown>) : undefined;
}

function allowedProperties(schema: Record<string, unknown> | undefined): string {
  const properties = schema?.properties;
  if (properties === null || typeof properties !== 'object') return '';
  return ` (expected ${Object.keys(properties).join(', ')})`;
}

