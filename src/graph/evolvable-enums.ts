// Graph's evolvable enums (spec cba-setup-and-signin §2.7): members added after `unknownFutureValue` are
// sent only to clients that asked for them with `Prefer: include-unknown-enum-members`; every other client
// gets `unknownFutureValue` in their place, so that an SDK generated before the member existed still reads
// the response. Which members are hidden, and where enum values sit in a response, come from the $metadata
// model (metadata-model.ts): any entity or complex type served there is handled, nothing is listed twice.
import { EDM_ALIAS, type EdmStructuredType, GRAPH_PKI_SCHEMA } from './metadata-model.ts';

export const UNKNOWN_FUTURE_VALUE = 'unknownFutureValue';
/** The preference token (RFC 7240) that asks for every member. */
export const INCLUDE_UNKNOWN_ENUM_MEMBERS = 'include-unknown-enum-members';

const localName = (type: string) => type.replace(/^#/, '').replace(new RegExp(`^(?:${EDM_ALIAS}|microsoft\\.graph)\\.`), '');

/** Per enum type (local name): its members after unknownFutureValue (only types that have some). */
const HIDDEN_MEMBERS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  GRAPH_PKI_SCHEMA.enumTypes.flatMap((type) => {
    const sentinel = type.members.find(([name]) => name === UNKNOWN_FUTURE_VALUE)?.[1];
    if (sentinel === undefined) return [];
    const later = type.members.filter(([, value]) => value > sentinel).map(([name]) => name);
    return later.length > 0 ? [[type.name, new Set(later)] as const] : [];
  }),
);

const STRUCTURED: ReadonlyMap<string, EdmStructuredType> = new Map(
  [...GRAPH_PKI_SCHEMA.entityTypes, ...GRAPH_PKI_SCHEMA.complexTypes].map((type) => [type.name, type]),
);

/** Property name → declared type of a structured type, inherited and inline-navigation ones included. */
function memberTypes(type: EdmStructuredType): Map<string, string> {
  const base = type.baseType ? STRUCTURED.get(localName(type.baseType)) : undefined;
  const members = base ? memberTypes(base) : new Map<string, string>();
  for (const p of type.properties) members.set(p.name, p.type);
  for (const n of type.navigationProperties ?? []) members.set(n.name, n.type);
  return members;
}

/** Whether `type` (e.g. graph.x509CertificateRuleType) has members clients must ask for. */
export function hasHiddenMembers(type: string): boolean {
  return HIDDEN_MEMBERS.has(localName(type));
}

/**
 * `value`, read as the EDM type `type` (graph.x, Collection(graph.x), an entity's @odata.type picks its
 * derived type), with every enum member after unknownFutureValue replaced by unknownFutureValue. A new
 * value; the given one is left as it was. Properties the model does not know pass through unchanged.
 */
export function concealUnknownEnumMembers(value: unknown, type: string): unknown {
  const item = /^Collection\((.+)\)$/.exec(type)?.[1];
  if (item !== undefined) return Array.isArray(value) ? value.map((v) => concealUnknownEnumMembers(v, item)) : value;
  const hidden = HIDDEN_MEMBERS.get(localName(type));
  if (hidden) return typeof value === 'string' && hidden.has(value) ? UNKNOWN_FUTURE_VALUE : value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  const cast = typeof record['@odata.type'] === 'string' ? STRUCTURED.get(localName(record['@odata.type'])) : undefined;
  const structured = cast ?? STRUCTURED.get(localName(type));
  if (!structured) return value;
  const members = memberTypes(structured);
  return Object.fromEntries(
    Object.entries(record).map(([name, v]) => {
      const memberType = members.get(name);
      return [name, memberType === undefined ? v : concealUnknownEnumMembers(v, memberType)];
    }),
  );
}
