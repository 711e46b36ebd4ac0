// The TypeBox schema of a tenant snapshot (service/admin/tenant-snapshot.ts): strict (no unknown property, no
// coercion), every stored property required. What a schema cannot say (unique ids, certificates, times
// that exist, the policy's rules) the snapshot service checks.
import { Type } from 'typebox';
import { type DocumentChecker, documentChecker } from '../service/json-document.ts';
import { SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION } from '../service/admin/tenant-snapshot.ts';
import { X509PolicyBodySchema } from './routes/authentication-methods/x509-policy-routes.ts';
import { MethodsPolicyBodySchema } from './routes/authentication-methods/methods-policy-routes.ts';
import { MAX_ROLES_PER_USER } from '../service/signin/directory-roles.ts';

const GUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const SECOND_TIME = { pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$', description: 'a UTC time with whole seconds, e.g. 2024-10-16T18:09:56Z' };
const MILLISECOND_TIME = { pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$', description: 'a UTC time with milliseconds, e.g. 2024-10-16T18:09:56.123Z' };

const id = () => Type.String({ pattern: GUID_PATTERN, description: 'a GUID in lower case' });
const time = () => Type.String(SECOND_TIME);
const nullableString = () => Type.Unsafe<string | null>({ type: ['string', 'null'] });
const nullableTime = () => Type.Unsafe<string | null>({ type: ['string', 'null'], ...SECOND_TIME });
const strictObject = <T extends Parameters<typeof Type.Object>[0]>(properties: T, title: string) =>
  Type.Object(properties, { additionalProperties: false, title });

const CaSchema = strictObject(
  {
    id: id(),
    certificate: Type.String({ minLength: 1 }),
    certificateAuthorityType: Type.Unsafe<'root' | 'intermediate'>({ type: 'string', enum: ['root', 'intermediate'] }),
    displayName: nullableString(),
    issuer: Type.String(),
    issuerSubjectKeyIdentifier: nullableString(),
    thumbprint: Type.String({ pattern: '^[0-9A-F]{40}$', description: 'a SHA-1 thumbprint in upper-case hex' }),
    createdDateTime: time(),
    expirationDateTime: time(),
    certificateRevocationListUrl: nullableString(),
    deltaCertificateRevocationListUrl: nullableString(),
    isIssuerHintEnabled: Type.Boolean(),
    deletedDateTime: nullableTime(),
  },
  'certificateAuthorityDetail',
);

const PkiSchema = strictObject(
  {
    id: id(),
    displayName: nullableString(),
    // Never 'running': export refuses while an upload runs, and an imported 'running' would have no
    // job to finish it, so the PKI would refuse every upload for good.
    status: Type.Unsafe<'succeeded' | 'failed'>({ type: 'string', enum: ['succeeded', 'failed'] }),
    statusDetails: nullableString(),
    createdDateTime: time(),
    lastModifiedDateTime: time(),
    deletedDateTime: nullableTime(),
    certificateAuthorities: Type.Array(CaSchema),
  },
  'certificateBasedAuthPki',
);

const UploadJobSchema = strictObject(
  {
    id: id(),
    pkiId: id(),
    uploadUrl: Type.String({ pattern: '^https?://', description: 'an http or https URL' }),
    sha256FileHash: Type.String({ pattern: '^[0-9A-F]{64}$', description: 'a SHA-256 hash in upper-case hex' }),
    status: Type.Unsafe<'succeeded' | 'failed'>({ type: 'string', enum: ['succeeded', 'failed'] }),
    // A finished job always has its outcome and the time it ended (the job runner writes both at once).
    statusDetails: Type.String(),
    attempts: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    createdDateTime: Type.String(MILLISECOND_TIME),
    finishedDateTime: Type.String(MILLISECOND_TIME),
  },
  'uploadJob',
);

const UserSchema = strictObject(
  {
    id: id(),
    userPrincipalName: Type.String(),
    onPremisesUserPrincipalName: nullableString(),
    onPremisesSyncEnabled: Type.Unsafe<boolean | null>({ type: ['boolean', 'null'] }),
    mail: nullableString(),
    mailNickname: nullableString(),
    displayName: nullableString(),
    givenName: nullableString(),
    surname: nullableString(),
    jobTitle: nullableString(),
    accountEnabled: Type.Boolean(),
    certificateUserIds: Type.Array(Type.String()),
    createdDateTime: time(),
    deletedDateTime: nullableTime(),
  },
  'user',
);
const OidcClientSchema = strictObject(
  {
    clientId: Type.String({ minLength: 1, maxLength: 64 }),
    displayName: nullableString(),
    redirectUris: Type.Array(Type.String({ minLength: 1 })),
    // The store keeps no secret, only its SHA-256: that is what a snapshot carries.
    secretHash: Type.Unsafe<string | null>({ type: ['string', 'null'], pattern: '^[0-9a-f]{64}$', description: 'the SHA-256 of the secret in lower-case hex' }),
    defaultScopes: Type.Array(Type.String({ minLength: 1 }), { maxItems: 64 }),
    createdDateTime: time(),
  },
  'oidcClient',
);

const RoleAssignmentSchema = strictObject(
  { userId: id(), roleTemplateIds: Type.Array(id(), { minItems: 1, maxItems: MAX_ROLES_PER_USER }) },
  'directoryRoleAssignment',
);

/** Graph's beta signIn as the sign-in log records it (service/signin/sign-in-log.ts). */
const SignInSchema = strictObject(
  {
    id: id(),
    createdDateTime: Type.String(MILLISECOND_TIME),
    userDisplayName: nullableString(),
    userPrincipalName: nullableString(),
    userId: id(),
    appId: Type.String({ minLength: 1 }),
    appDisplayName: nullableString(),
    ipAddress: Type.String(),
    clientAppUsed: Type.String(),
    correlationId: Type.String(),
    conditionalAccessStatus: Type.String(),
    isInteractive: Type.Boolean(),
    resourceDisplayName: Type.String(),
    resourceId: Type.String(),
    status: strictObject({ errorCode: Type.Integer({ minimum: 0 }), failureReason: nullableString(), additionalDetails: nullableString() }, 'signInStatus'),
    authenticationRequirement: Type.Unsafe<'singleFactorAuthentication' | 'multiFactorAuthentication'>({
      type: 'string',
      enum: ['singleFactorAuthentication', 'multiFactorAuthentication'],
    }),
    authenticationMethodsUsed: Type.Array(Type.String()),
    authenticationDetails: Type.Array(
      strictObject(
        {
          authenticationStepDateTime: Type.String(MILLISECOND_TIME),
          authenticationMethod: Type.String(),
          authenticationMethodDetail: nullableString(),
          succeeded: Type.Boolean(),
          authenticationStepResultDetail: Type.String(),
          authenticationStepRequirement: Type.String(),
        },
        'authenticationDetail',
      ),
    ),
    authenticationProcessingDetails: Type.Array(strictObject({ key: Type.String(), value: Type.String() }, 'keyValue')),
  },
  'signIn',
);

// The authenticationMethodsPolicy root: its writable properties as its PATCH body has them.
const { policyMigrationState, reconfirmationInDays, registrationEnforcement } = MethodsPolicyBodySchema.properties;

// The policy as its PATCH body has it, minus the OData annotations and the id.
const { '@odata.type': _type, '@odata.context': _context, id: _id, ...policyProperties } = X509PolicyBodySchema.properties;

export const TenantSnapshotSchema = strictObject(
  {
    format: Type.Literal(SNAPSHOT_FORMAT),
    formatVersion: Type.Literal(SNAPSHOT_FORMAT_VERSION),
    tenantId: Type.String({ pattern: GUID_PATTERN.replaceAll('a-f', 'a-fA-F'), description: 'a GUID' }),
    exportedDateTime: time(),
    certificateBasedAuthConfigurations: Type.Array(PkiSchema),
    uploadJobs: Type.Array(UploadJobSchema),
    x509CertificatePolicy: Type.Union([
      strictObject(
        {
          configuration: strictObject(policyProperties, 'x509CertificateAuthenticationMethodConfiguration'),
          lastModifiedDateTime: time(),
        },
        'x509CertificatePolicy',
      ),
      Type.Null(),
    ]),
    classicCertificateBasedAuthConfiguration: Type.Optional(
      Type.Union([
        strictObject(
          {
            createdDateTime: time(),
            certificateAuthorities: Type.Array(
              strictObject(
                {
                  certificate: Type.String({ minLength: 1 }),
                  isRootAuthority: Type.Boolean(),
                  certificateRevocationListUrl: nullableString(),
                  deltaCertificateRevocationListUrl: nullableString(),
                },
                'certificateAuthority',
              ),
            ),
          },
          'certificateBasedAuthConfiguration',
        ),
        Type.Null(),
      ]),
    ),
    // Optional: snapshots written before users existed import as a tenant without users.
    users: Type.Optional(Type.Array(UserSchema)),
    authenticationMethodsPolicy: Type.Optional(
      Type.Union([
        strictObject(
          {
            configuration: strictObject(
              { policyMigrationState, reconfirmationInDays, registrationEnforcement },
              'authenticationMethodsPolicy',
            ),
            lastModifiedDateTime: time(),
          },
          'authenticationMethodsPolicy',
        ),
        Type.Null(),
      ]),
    ),
    // Optional: snapshots written before the certificate sign-in import as a tenant without them.
    oidcClients: Type.Optional(Type.Array(OidcClientSchema)),
    directoryRoleAssignments: Type.Optional(Type.Array(RoleAssignmentSchema)),
    signIns: Type.Optional(Type.Array(SignInSchema)),
  },
  'tenantSnapshot',
);

/** Checks a request body against the snapshot schema; throws a DocumentProblem at the first problem. */
export const snapshotChecker: DocumentChecker<typeof TenantSnapshotSchema> = documentChecker(TenantSnapshotSchema);

