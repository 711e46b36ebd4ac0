// The database-neutral query a list request becomes: a condition tree over named fields, a sort, a page
// size and a keyset position. graph/ builds it from OData; the repositories compile it here into Kysely
// expressions with bound values (never by pasting values into SQL). Semantics are two-valued, as
// OData's: a comparison with a null field is false (ne: true), so `not` never meets SQL's UNKNOWN.
import { type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';

export type FieldKind = 'text' | 'timestamp' | 'boolean' | 'collection';

export type Scalar = string | number | boolean | null;

export type Condition =
  | { readonly kind: 'and' | 'or'; readonly conditions: readonly Condition[] }
  | { readonly kind: 'not'; readonly condition: Condition }
  | { readonly kind: 'compare'; readonly field: string; readonly op: ComparisonOperator; readonly value: Scalar }
  | { readonly kind: 'in'; readonly field: string; readonly values: readonly Scalar[] }
  | { readonly kind: 'startsWith'; readonly field: string; readonly prefix: string }
  /** OData's lambda `field/any(x: …)`: some element of a collection field satisfies `condition`. */
  | { readonly kind: 'any'; readonly field: string; readonly condition: ElementCondition };

/** A condition on one element of a collection of strings (the lambda variable). */
export type ElementCondition =
  | { readonly kind: 'and' | 'or'; readonly conditions: readonly ElementCondition[] }
  | { readonly kind: 'not'; readonly condition: ElementCondition }
  /** Equal under the collection's match key (the store compares the key's hash). */
  | { readonly kind: 'eq'; readonly value: string }
  /** Starts with the prefix, as written (case-sensitive). */
  | { readonly kind: 'startsWith'; readonly prefix: string };

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export interface SortKey {
  readonly field: string;
  readonly descending: boolean;
}

export interface ListQuery {
  readonly filter?: Condition | undefined;
  /** Sort keys; the id is always added as the last key, in the direction of the first. */
  readonly orderBy: readonly SortKey[];
  readonly limit: number;
  /** Keyset position: the sort values and id of the last object of the previous page. */
  readonly after?: KeysetPosition | undefined;
}

export interface KeysetPosition {
  readonly values: readonly Scalar[];
  readonly id: string;
}

/**
 * How one field is stored. Text fields are compared and sorted on a normalised key column (Unicode
 * lower case, computed in JS, never null: '' stands for null and sorts first, as OData orders nulls),
 * while `column` answers null checks. Timestamps are ISO-8601 UTC text of second precision.
 */
export interface FieldMapping {
  readonly kind: FieldKind;
  /** The column holding the value (null checks, timestamps, booleans). */
  readonly column: string;
  /** For text: the NOT NULL normalised column compared and sorted on. */
  readonly keyColumn?: string;
  /** For text: how a literal is normalised to be compared with keyColumn (default: lower case). */
  readonly normalise?: (value: string) => string;
  /** The key column sorts in byte order on both engines (COLLATE "C"), so prefix ranges are exact. */
  readonly byteOrdered?: boolean;
  /** For collection: where its elements are stored. */
  readonly collection?: CollectionMapping;
}

/**
 * A collection of strings stored one row per element in its own table, beside the owner's row: filtered
 * with `any` as an EXISTS over that table. Elements compare for equality through `matchHash` of the literal.
 */
export interface CollectionMapping {
  /** The elements' table, and the owners' table the list query selects from. */
  readonly table: string;
  readonly outerTable: string;
  /** In `table`: the owner's id (matched with outerTable.id; both tables carry tenant_id). */
  readonly ownerColumn: string;
  /** In `table`: the hash of the element's match key, and the element as written. */
  readonly matchColumn: string;
  readonly valueColumn: string;
  readonly matchHash: (value: string) => string;
}

export type FieldMap = Readonly<Record<string, FieldMapping>>;

export function textKey(value: string | null): string {
  return value === null ? '' : value.toLowerCase();
}

/** Sort value of a field as the keyset stores it, from a row. */
export function sortValueOf(mapping: FieldMapping, row: Readonly<Record<string, unknown>>): Scalar {
  const value = row[mapping.keyColumn ?? mapping.column];
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null ? value : String(value);
}

// Kysely's builder is typed per table; conditions are built over dynamic column names, so the builder
// is used through this narrow untyped view (values are still bound parameters).
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyBuilder = ExpressionBuilder<any, any>;

export function compileCondition(eb: AnyBuilder, condition: Condition, fields: FieldMap): Expression<SqlBool> {
  switch (condition.kind) {
    case 'and':
      return eb.and(condition.conditions.map((c) => compileCondition(eb, c, fields)));
    case 'or':
      return eb.or(condition.conditions.map((c) => compileCondition(eb, c, fields)));
    case 'not':
      return eb.not(compileCondition(eb, condition.condition, fields));
    case 'compare':
      return compileComparison(eb, mappingOf(fields, condition.field), condition.op, condition.value);
    case 'in': {
      const mapping = mappingOf(fields, condition.field);
      if (condition.values.length === 0) return eb.lit(false) as unknown as Expression<SqlBool>;
      return eb.or(condition.values.map((value) => compileComparison(eb, mapping, 'eq', value)));
    }
    case 'startsWith': {
      const mapping = mappingOf(fields, condition.field);
      const normalise = mapping.normalise ?? ((v: string) => v.toLowerCase());
      const prefix = normalise(condition.prefix);
      const column = mapping.keyColumn ?? mapping.column;
      const pattern = `${escapeLike(prefix)}%`;
      // The range bound lets both engines seek the index to the prefix (neither turns this LIKE into a
      // range by itself); LIKE keeps the match exact.
      const upper = mapping.byteOrdered ? prefixUpperBound(prefix) : undefined;
      return eb.and([
        eb(mapping.column, 'is not', null),
        ...(prefix && mapping.byteOrdered ? [eb(column, '>=', prefix)] : []),
        ...(upper !== undefined ? [eb(column, '<', upper)] : []),
        eb(column, 'like', sql<string>`${pattern} escape '\\'`),
      ]);
    }
    case 'any': {
      const collection = mappingOf(fields, condition.field).collection;
      if (!collection) throw new Error(`field '${condition.field}' is not a collection`);
      const { table, outerTable } = collection;
      return eb.exists(
        eb
          .selectFrom(table)
          .select(sql.lit(1).as('one'))
          .whereRef(`${table}.tenant_id`, '=', `${outerTable}.tenant_id`)
          .whereRef(`${table}.${collection.ownerColumn}`, '=', `${outerTable}.id`)
          .where((inner) => compileElement(inner, condition.condition, collection)),
      );
    }
  }
}

function compileElement(eb: AnyBuilder, condition: ElementCondition, collection: CollectionMapping): Expression<SqlBool> {
  const { table } = collection;
  switch (condition.kind) {
    case 'and':
      return eb.and(condition.conditions.map((c) => compileElement(eb, c, collection)));
    case 'or':
      return eb.or(condition.conditions.map((c) => compileElement(eb, c, collection)));
    case 'not':
      return eb.not(compileElement(eb, condition.condition, collection));
    case 'eq':
      return eb(`${table}.${collection.matchColumn}`, '=', collection.matchHash(condition.value));
    case 'startsWith': {
      // substr and = compare exactly (case-sensitive) on both engines, where SQLite's LIKE folds ASCII case.
      const length = [...condition.prefix].length;
      return eb(sql`substr(${sql.ref(`${table}.${collection.valueColumn}`)}, 1, ${sql.lit(length)})`, '=', condition.prefix);
    }
  }
}

function compileComparison(eb: AnyBuilder, mapping: FieldMapping, op: ComparisonOperator, value: Scalar): Expression<SqlBool> {
  if (value === null) {
    if (op === 'eq') return eb(mapping.column, 'is', null);
    if (op === 'ne') return eb(mapping.column, 'is not', null);
    return eb.lit(false) as unknown as Expression<SqlBool>;
  }
  const [column, bound] = storedForm(mapping, value, op);
  if (bound === ALWAYS) return eb.lit(op !== 'eq') as unknown as Expression<SqlBool>;
  const sqlOp = ({ eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' } as const)[bound.op];
  const comparison = eb(column, sqlOp, bound.value);
  // Null fields: every comparison is false except ne, which is true.
  return op === 'ne'
    ? eb.or([eb(mapping.column, 'is', null), comparison])
    : eb.and([eb(mapping.column, 'is not', null), comparison]);
}

const ALWAYS = Symbol('eq-false-ne-true');

/** The column and bound value to compare with, adjusting timestamps to the stored second precision. */
function storedForm(
  mapping: FieldMapping,
  value: Exclude<Scalar, null>,
  op: ComparisonOperator,
): [string, { op: ComparisonOperator; value: string | number } | typeof ALWAYS] {
  switch (mapping.kind) {
    case 'boolean':
      return [mapping.column, { op, value: value === true ? 1 : 0 }];
    case 'timestamp': {
      const ms = typeof value === 'number' ? value : Date.parse(String(value));
      if (ms % 1000 === 0) return [mapping.column, { op, value: isoSeconds(ms) }];
      // Stored values are whole seconds: a fractional literal equals none of them, and the bounds
      // round to the nearest whole second on the side that keeps the comparison exact.
      const floor = Math.floor(ms / 1000) * 1000;
      const ceil = floor + 1000;
      switch (op) {
        case 'eq':
        case 'ne':
          return [mapping.column, ALWAYS];
        case 'gt':
        case 'le':
          return [mapping.column, { op, value: isoSeconds(floor) }];
        case 'ge':
        case 'lt':
          return [mapping.column, { op, value: isoSeconds(ceil) }];
      }
      break;
    }
    case 'text': {
      const normalise = mapping.normalise ?? ((v: string) => v.toLowerCase());
      return [mapping.keyColumn ?? mapping.column, { op, value: normalise(String(value)) }];
    }
  }
  throw new Error('unreachable');
}

/** Rows strictly after the keyset position in the given order. */
export function compileKeyset(eb: AnyBuilder, orderBy: readonly SortKey[], after: KeysetPosition, fields: FieldMap): Expression<SqlBool> {
  const keys = [...orderBy.map((k) => ({ column: sortColumn(fields, k.field), descending: k.descending })), { column: 'id', descending: orderBy[0]?.descending ?? false }];
  const values = [...after.values, after.id];
  const alternatives: Expression<SqlBool>[] = [];
  for (let i = 0; i < keys.length; i++) {
    const parts: Expression<SqlBool>[] = [];
    for (let j = 0; j < i; j++) parts.push(eb((keys[j] as { column: string }).column, '=', values[j] as string | number));
    const key = keys[i] as { column: string; descending: boolean };
    parts.push(eb(key.column, key.descending ? '<' : '>', values[i] as string | number));
    alternatives.push(eb.and(parts));
  }
  return eb.or(alternatives);
}

export function sortColumn(fields: FieldMap, field: string): string {
  const mapping = mappingOf(fields, field);
  return mapping.keyColumn ?? mapping.column;
}

function mappingOf(fields: FieldMap, field: string): FieldMapping {
  const mapping = fields[field];
  if (!mapping) throw new Error(`field '${field}' has no column mapping`);
  return mapping;
}

/**
 * The least string greater than every string that starts with `prefix`, in code-point (= UTF-8 byte)
 * order: the prefix with its last code point incremented; undefined when there is none.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length > 0) {
    const last = (points.pop() as string).codePointAt(0) as number;
    let next = last + 1;
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000; // skip the surrogate range
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next);
  }
  return undefined;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export interface RowPage<R> {
  readonly rows: readonly R[];
  readonly next: KeysetPosition | undefined;
}

/**
 * Runs a ListQuery on a select over one table: filter, keyset position, order (id last) and one row
 * more than the page so the caller knows whether another page follows.
 */
export async function runListQuery<R extends { id: string }>(
  // biome-ignore lint/suspicious/noExplicitAny: the builder's table types vary per repository
  base: SelectQueryBuilder<any, any, R>,
  query: ListQuery,
  fields: FieldMap,
): Promise<RowPage<R>> {
  let builder = base;
  const { filter, after } = query;
  if (filter) builder = builder.where((eb) => compileCondition(eb, filter, fields));
  if (after) builder = builder.where((eb) => compileKeyset(eb, query.orderBy, after, fields));
  for (const key of query.orderBy) builder = builder.orderBy(sortColumn(fields, key.field), key.descending ? 'desc' : 'asc');
  const rows = await builder
    .orderBy('id', query.orderBy[0]?.descending ? 'desc' : 'asc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const next =
    rows.length > query.limit && last
      ? { values: query.orderBy.map((k) => sortValueOf(mappingOf(fields, k.field), last as Record<string, unknown>)), id: last.id }
      : undefined;
  return { rows: page, next };
}

/** Applies an optional filter to a select (counts honour $filter). */
export function withFilter(
  // biome-ignore lint/suspicious/noExplicitAny: the builder's table types vary per repository
  base: SelectQueryBuilder<any, any, any>,
  filter: Condition | undefined,
  fields: FieldMap,
  // biome-ignore lint/suspicious/noExplicitAny: as above
): SelectQueryBuilder<any, any, any> {
  return filter ? base.where((eb) => compileCondition(eb, filter, fields)) : base;
}
