// Row types of every table. Portable column types only (text, integer); timestamps are ISO-8601 UTC
// text with second precision, so they compare and sort as strings on SQLite and PostgreSQL alike.

export interface PkiTable {
  tenant_id: string;
  id: string;
  display_name: string | null;
  /** lower-cased displayName, '' for null: compared and sorted on */
  display_name_key: string;
  status: string;
  status_details: string | null;
  last_modified_date_time: string;
  created_date_time: string;
  deleted_date_time: string | null;
}

export interface CertificateAuthorityTable {
  tenant_id: string;
  id: string;
  pki_id: string;
  /** base64 of the DER certificate */
  certificate: string;
  certificate_authority_type: string;
  display_name: string | null;
  display_name_key: string;
  issuer: string;
  issuer_key: string;
  issuer_subject_key_identifier: string | null;
  thumbprint: string;
  created_date_time: string;
  expiration_date_time: string;
  certificate_revocation_list_url: string | null;
  delta_certificate_revocation_list_url: string | null;
  /** 0/1: better-sqlite3 cannot bind booleans */
  is_issuer_hint_enabled: number;
  deleted_date_time: string | null;
}

export interface JobTable {
  id: string;
  tenant_id: string;
  /** e.g. 'upload' */
  kind: string;
  /** The object the job works on (the PKI of an upload). */
  subject_id: string;
  /** JSON */
  payload: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed';
  attempts: number;
  lease_owner: string | null;
  /** epoch milliseconds */
  lease_expires_at: number | null;
  result: string | null;
  created_at: number;
  finished_at: number | null;
}

export interface ServerSettingTable {
  name: string;
  value: string;
}

export interface X509CertificatePolicyTable {
  /** One row per tenant. */
  tenant_id: string;
  /** JSON: the tenant's x509CertificateAuthenticationMethodConfiguration, as the service stores it */
  configuration: string;
  last_modified_date_time: string;
}

/** The last health check of one configured CRL (migration 014). */
export interface CrlHealthTable {
  tenant_id: string;
  ca_id: string;
  /** 'base' or 'delta'. */
  kind: string;
  url: string;
  /** healthy, warning or failing, as of checked_at. */
  status: string;
  /** JSON of the stored report (checks and what the CRL said), see crl-health-repository.ts. */
  report: string;
  checked_at: string;
}
/** The authenticationMethodsPolicy root's own properties (migration 012), a table of the same shape. */
export type AuthenticationMethodsPolicyTable = X509CertificatePolicyTable;

export interface CrlCacheTable {
  url: string;
  crl_number: string | null;
  highest_crl_number: string | null;
  next_update: string | null;
  fetched_at: string;
  /** Bytes of DER stored in crl_cache_chunk (0: emptied by the size bound), counted against the database cap. */
  size_bytes: number;
  /** When a verification last used it, ms since the epoch: the least recently used go first. */
  last_used_ms: number;
}

/** A cached CRL's DER, cut in rows of at most CRL_CHUNK_BYTES, `seq` from 0. */
export interface CrlCacheChunkTable {
  url: string;
  seq: number;
  data: Buffer;
}

/** One shared throttling token bucket (src/service/throttle); used on PostgreSQL. */
export interface ThrottleBucketTable {
  bucket_key: string;
  level: number;
  capacity: number;
  refill_per_ms: number;
  /** the database clock, ms since the epoch */
  updated_ms: number;
}

/** A tenant's registered OIDC client (certificate sign-in). */
export interface OidcClientTable {
  tenant_id: string;
  client_id: string;
  display_name: string | null;
  /** JSON array */
  redirect_uris: string;
  /** sha256 hex; null for a public client */
  secret_hash: string | null;
  /** JSON array */
  default_scopes: string;
  created_date_time: string;
}

/** A one-time authorization code, by its hash. */
export interface AuthorizationCodeTable {
  code_hash: string;
  tenant_id: string;
  /** JSON: what the code grants (service/signin owns the shape) */
  grant_json: string;
  /** epoch milliseconds */
  expires_at_ms: number;
  /** epoch milliseconds; null until redeemed */
  redeemed_at_ms: number | null;
}

/** A refresh token of a certificate sign-in, by its hash. */
export interface RefreshTokenTable {
  token_hash: string;
  tenant_id: string;
  client_id: string;
  user_id: string;
  /** JSON: what the token grants (service/signin owns the shape) */
  grant_json: string;
  /** epoch milliseconds */
  expires_at_ms: number;
  /** epoch milliseconds; null until redeemed */
  redeemed_at_ms: number | null;
}

/** One directory role of one user (a role template id). */
export interface DirectoryRoleAssignmentTable {
  tenant_id: string;
  principal_id: string;
  role_template_id: string;
}

/** One sign-in attempt (Graph's signIn). */
export interface SignInLogTable {
  tenant_id: string;
  id: string;
  /** ISO-8601 UTC with milliseconds, so attempts within a second keep their order */
  created_date_time: string;
  /** JSON */
  record: string;
}

/** A directory user (migration 011). Text keys: lower case, '' for null, as the PKI tables'. */
export interface DirectoryUserTable {
  tenant_id: string;
  id: string;
  user_principal_name: string;
  user_principal_name_key: string;
  on_premises_user_principal_name: string | null;
  on_premises_user_principal_name_key: string;
  /** 0/1, null = never synced */
  on_premises_sync_enabled: number | null;
  mail: string | null;
  mail_key: string;
  mail_nickname: string | null;
  display_name: string | null;
  display_name_key: string;
  given_name: string | null;
  surname: string | null;
  job_title: string | null;
  /** 0/1 */
  account_enabled: number;
  /** JSON array of strings, in the order written */
  certificate_user_ids: string;
  created_date_time: string;
  deleted_date_time: string | null;
}

/** One certificateUserIds value of a live user: finds its user, and is unique in the tenant. */
export interface UserCertificateUserIdTable {
  tenant_id: string;
  /** SHA-256 hex of the value's match key */
  match_hash: string;
  user_id: string;
  value: string;
}

/** One row per tenant that has a classic certificateBasedAuthConfiguration (Graph: at most one). */
export interface ClassicAuthConfigurationTable {
  tenant_id: string;
  created_date_time: string;
}

/** The classic configuration's certificateAuthorities, in the order they were sent. */
export interface ClassicCertificateAuthorityTable {
  tenant_id: string;
  position: number;
  /** base64 of the DER certificate */
  certificate: string;
  /** 0/1 */
  is_root_authority: number;
  /** The CA's subject (Graph's `issuer`: the issuer name of the certificates it signs). */
  issuer: string;
  /** lower-cased issuer, looked up by a verification */
  issuer_key: string;
  /** uppercase hex */
  issuer_ski: string;
  thumbprint: string;
  expiration_date_time: string;
  certificate_revocation_list_url: string | null;
  delta_certificate_revocation_list_url: string | null;
}

export interface Database {
  certificate_based_auth_pki: PkiTable;
  certificate_authority: CertificateAuthorityTable;
  job: JobTable;
  server_setting: ServerSettingTable;
  crl_cache: CrlCacheTable;
  crl_cache_chunk: CrlCacheChunkTable;
  crl_health: CrlHealthTable;
  x509_certificate_policy: X509CertificatePolicyTable;
  authentication_methods_policy: AuthenticationMethodsPolicyTable;
  throttle_bucket: ThrottleBucketTable;
  oidc_client: OidcClientTable;
  authorization_code: AuthorizationCodeTable;
  refresh_token: RefreshTokenTable;
  sign_in_log: SignInLogTable;
  directory_role_assignment: DirectoryRoleAssignmentTable;
  directory_user: DirectoryUserTable;
  user_certificate_user_id: UserCertificateUserIdTable;
  classic_auth_configuration: ClassicAuthConfigurationTable;
  classic_certificate_authority: ClassicCertificateAuthorityTable;
}
