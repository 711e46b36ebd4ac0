// The store as the service sees it: repositories, and transactions that hand out repositories bound to
// the transaction, so a use case can make several writes atomically without touching SQL.
import type { Kysely } from 'kysely';
import { CertificateAuthorityRepository } from './ca-repository.ts';
import { ClassicStoreRepository } from './classic-store-repository.ts';
import { CrlCacheRepository } from './crl-cache-repository.ts';
import { CrlHealthRepository } from './crl-health-repository.ts';
import type { DialectName, OpenDatabase, SyncReads } from './database.ts';
import { JobRepository } from './job-repository.ts';
import { CertificateBasedAuthPkiRepository } from './pki-repository.ts';
import type { Database } from './schema.ts';
import { SettingsRepository } from './settings-repository.ts';
import { TenantRepository } from './tenant-repository.ts';
import { UserRepository } from './user-repository.ts';
import { PolicyDocumentRepository } from './policy-document-repository.ts';
import { OidcClientRepository } from './oidc-client-repository.ts';
import { AuthorizationCodeRepository } from './authorization-code-repository.ts';
import { RefreshTokenRepository } from './refresh-token-repository.ts';
import { SignInLogRepository } from './sign-in-log-repository.ts';
import { DirectoryRoleRepository } from './directory-role-repository.ts';

export interface Repositories {
  readonly pkis: CertificateBasedAuthPkiRepository;
  readonly cas: CertificateAuthorityRepository;
  readonly jobs: JobRepository;
  readonly settings: SettingsRepository;
  readonly x509Policies: PolicyDocumentRepository;
  /** The authenticationMethodsPolicy root's own properties. */
  readonly methodsPolicies: PolicyDocumentRepository;
  readonly crlCache: CrlCacheRepository;
  readonly crlHealth: CrlHealthRepository;
  readonly tenants: TenantRepository;
  readonly oidcClients: OidcClientRepository;
  readonly authorizationCodes: AuthorizationCodeRepository;
  readonly refreshTokens: RefreshTokenRepository;
  readonly signInLogs: SignInLogRepository;
  readonly directoryRoles: DirectoryRoleRepository;
  readonly users: UserRepository;
  readonly classicStore: ClassicStoreRepository;
}

/** `syncReads`: synchronous reads for the root repositories (SQLite), never inside a transaction. */
function repositoriesOf(db: Kysely<Database>, dialect: DialectName, root = false, syncReads?: SyncReads, readCacheEntries = 0): Repositories {
  return {
    // Group commit where our process pays for each commit (SQLite's WAL write); PostgreSQL already
    // shares WAL flushes between concurrent commits, and batching there only adds latency.
    pkis: new CertificateBasedAuthPkiRepository(db, root && dialect === 'sqlite', root ? syncReads : undefined, readCacheEntries),
    cas: new CertificateAuthorityRepository(db),
    jobs: new JobRepository(db, dialect),
    settings: new SettingsRepository(db),
    crlCache: new CrlCacheRepository(db, dialect),
    crlHealth: new CrlHealthRepository(db),
    x509Policies: new PolicyDocumentRepository(db, 'x509_certificate_policy'),
    methodsPolicies: new PolicyDocumentRepository(db, 'authentication_methods_policy'),
    tenants: new TenantRepository(db),
    oidcClients: new OidcClientRepository(db),
    authorizationCodes: new AuthorizationCodeRepository(db),
    refreshTokens: new RefreshTokenRepository(db),
    signInLogs: new SignInLogRepository(db),
    directoryRoles: new DirectoryRoleRepository(db),
    users: new UserRepository(db, dialect),
    classicStore: new ClassicStoreRepository(db),
  };
}

export class Store {
  readonly repositories: Repositories;

  /** `readCacheEntries`: live PKIs kept in memory for synchronous reads while the database is unchanged. */
  constructor(private readonly database: OpenDatabase, readCacheEntries = 0) {
    this.repositories = repositoriesOf(database.db, database.dialect, true, database.syncReads, readCacheEntries);
  }

  /** Runs `work` in one database transaction: all of its writes commit together or not at all. */
  transaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T> {
    return this.database.db.transaction().execute((trx) => work(repositoriesOf(trx, this.database.dialect)));
  }

  /**
   * Runs reads that must see one consistent state of the database (a tenant snapshot): PostgreSQL's
   * repeatable read; SQLite's transactions are serialisable already.
   */
  consistentRead<T>(work: (repositories: Repositories) => Promise<T>): Promise<T> {
    return this.database.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute((trx) => work(repositoriesOf(trx, this.database.dialect)));
  }
}
