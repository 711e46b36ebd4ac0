// Request-body schemas (TypeBox → JSON Schema → ajv, run with removeAdditional and coercion off, so an
// unknown property or a wrongly typed value is refused, never dropped or converted).
import { Type } from 'typebox';

const PKI_TYPE = 'microsoft.graph.certificateBasedAuthPki';

/** A nullable string; `type: [..., 'null']` keeps ajv to one error per bad value. */
function nullableString(options: Record<string, unknown> = {}) {
  return Type.Unsafe<string | null>({ type: ['string', 'null'], ...options });
}

const dateTimeOffset = () => Type.String({ format: 'date-time' });

/**
 * A certificateBasedAuthPki as a client may send it. Graph's create page lists the server-managed
 * properties as settable, so they are accepted (type-checked) but never stored from the client.
 */
export const PkiBodySchema = Type.Object(
  {
    '@odata.type': Type.Optional(Type.Literal(`#${PKI_TYPE}`)),
    // SDKs send back the context URL of an object they read; OData says it carries no data in a request.
    '@odata.context': Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    deletedDateTime: Type.Optional(nullableString({ format: 'date-time' })),
    displayName: Type.Optional(nullableString()),
    status: Type.Optional(nullableString()),
    statusDetails: Type.Optional(nullableString()),
    lastModifiedDateTime: Type.Optional(dateTimeOffset()),
  },
  { additionalProperties: false, title: PKI_TYPE },
);

export const PkiIdParamsSchema = Type.Object({ pkiId: Type.String() });

export const PKI_GRAPH_TYPE = PKI_TYPE;
