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
export const CaIdParamsSchema = Type.Object({ pkiId: Type.String(), caId: Type.String() });

export const PKI_GRAPH_TYPE = PKI_TYPE;
export const CA_GRAPH_TYPE = 'microsoft.graph.certificateAuthorityDetail';

/**
 * A certificateAuthorityDetail as a client may send it. The docs spell the delta URL
 * `deltacertificateRevocationListUrl`, the metadata `deltaCertificateRevocationListUrl`: both accepted.
 */
export const CaBodySchema = Type.Object(
  {
    '@odata.type': Type.Optional(Type.Literal(`#${CA_GRAPH_TYPE}`)),
    '@odata.context': Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    deletedDateTime: Type.Optional(nullableString({ format: 'date-time' })),
    certificate: Type.Optional(Type.String()),
    certificateAuthorityType: Type.Optional(Type.Unsafe<'root' | 'intermediate'>({ type: 'string', enum: ['root', 'intermediate'] })),
    displayName: Type.Optional(nullableString()),
    issuer: Type.Optional(nullableString()),
    issuerSubjectKeyIdentifier: Type.Optional(nullableString()),
    createdDateTime: Type.Optional(nullableString({ format: 'date-time' })),
    expirationDateTime: Type.Optional(dateTimeOffset()),
    thumbprint: Type.Optional(Type.String()),
    certificateRevocationListUrl: Type.Optional(nullableString()),
    deltaCertificateRevocationListUrl: Type.Optional(nullableString()),
    deltacertificateRevocationListUrl: Type.Optional(nullableString()),
    isIssuerHintEnabled: Type.Optional(Type.Unsafe<boolean | null>({ type: ['boolean', 'null'] })),
  },
  { additionalProperties: false, title: CA_GRAPH_TYPE },
);

/** Parameters of the `upload` action; both required and non-null in the metadata. */
export const UploadBodySchema = Type.Object(
  {
    uploadUrl: Type.String(),
    sha256FileHash: Type.String(),
  },
  { additionalProperties: false, title: 'microsoft.graph.upload' },
);
