// Seeding at start (`serve --seed FILE`): tenants → PKIs → CAs, the classic store, users, OIDC clients and
// directory roles from a document, added idempotently. A PKI is matched by its id when the seed gives one,
// else by displayName within the tenant; a CA by its thumbprint within the PKI; a user by its id, else its
// userPrincipalName; the classic store is the tenant's one configuration. What already exists, live or
// deleted, is left exactly as it is, so running the same seed again adds nothing (and does not bring back
// what a user deleted). Everything passes the Graph API's own checks (the services' own prepare methods,
// POST /users' required properties, a role's user being a user of the tenant); the whole seed is written
// in one transaction or not at all.
import type { CaRecord } from '../../store/ca-repository.ts';
import type { PkiRecord } from '../../store/pki-repository.ts';
import type { Repositories, Store } from '../../store/store.ts';
import type { CaService } from '../trust-store/ca-service.ts';
import { graphTimestamp } from '../clock.ts';
import { newObjectId } from '../ids.ts';
import { DocumentProblem, jsonPath, type PathSegment, problemAt, problemAtAsync } from '../json-document.ts';
import type { PkiService } from '../trust-store/pki-service.ts';
import { type OidcClientInput, prepareClient } from '../signin/oidc-clients.ts';
import { checkedRoles } from '../signin/directory-roles.ts';
import { graphErrors } from '../errors.ts';
import type { OidcClientRecord } from '../../store/oidc-client-repository.ts';
import type { ClassicConfigurationRecord } from '../../store/classic-store-repository.ts';
import type { UserRecord } from '../../store/user-repository.ts';
import type { ClassicStoreService } from '../trust-store/classic-store-service.ts';
import type { DirectorySyncInput, UserInput, UserService } from '../directory/user-service.ts';
import { type NewUserRequiredInput, requireNewUserProperties } from '../directory/new-user-properties.ts';

export interface SeedDocument {
  readonly tenants: readonly SeedTenant[];
}

export interface SeedTenant {
  readonly id: string;
  readonly pkis: readonly SeedPki[];
  /** OIDC clients of the certificate sign-in; a client whose id the tenant has is left as it is. */
  readonly oidcClients?: readonly SeedOidcClient[] | undefined;
  /** The classic trust store (organization certificateBasedAuthConfiguration); one the tenant has stays as it is. */
  readonly classicCertificateBasedAuthConfiguration?: SeedClassicConfiguration | undefined;
  /** Directory users; one the tenant has (same id, else same userPrincipalName) stays as it is. */
  readonly users?: readonly SeedUser[] | undefined;
  /** Directory roles of users (by object id), added to what they hold. */
  readonly directoryRoleAssignments?: readonly { readonly userId: string; readonly roleTemplateIds: readonly string[] }[] | undefined;
}

export interface SeedOidcClient {
  readonly clientId: string;
  readonly displayName?: string | null | undefined;
  readonly redirectUris: readonly string[];
  /** Makes a confidential client with this secret (at least 16 characters); absent = public (PKCE). */
  readonly clientSecret?: string | undefined;
  readonly defaultScopes?: readonly string[] | undefined;
}

export interface SeedClassicConfiguration {
  readonly certificateAuthorities: readonly SeedClassicCa[];
}

export interface SeedClassicCa {
  /** PEM text, base64 of the DER, or base64 of PEM text. */
  readonly certificate: string;
  readonly isRootAuthority: boolean;
  readonly certificateRevocationListUrl?: string | null | undefined;
  readonly deltaCertificateRevocationListUrl?: string | null | undefined;
}

/**
 * A user as POST /users takes it, required properties and all (certificateUserIds flat, as in a tenant
 * snapshot), with the synced properties. The password is checked present and not stored, as the POST's.
 */
export type SeedUser = Omit<UserInput, 'certificateUserIds' | 'accountEnabled' | 'userPrincipalName'> &
  NewUserRequiredInput &
  DirectorySyncInput & {
    readonly id?: string | undefined;
    readonly certificateUserIds?: readonly unknown[] | undefined;
  };

export interface SeedPki {
  readonly id?: string | undefined;
  readonly displayName: string;
  readonly certificateAuthorities?: readonly SeedCa[] | undefined;
}

export interface SeedCa {
  /** PEM text, base64 of the DER, or base64 of PEM text. */
  readonly certificate: string;
  readonly displayName?: string | null | undefined;
  readonly isIssuerHintEnabled?: boolean | undefined;
  readonly certificateRevocationListUrl?: string | null | undefined;
  readonly deltaCertificateRevocationListUrl?: string | null | undefined;
}

/** What a seed run added, and what it found already there. */
export interface SeedResult {
  readonly pkisAdded: number;
  readonly certificateAuthoritiesAdded: number;
  readonly pkisPresent: number;
  readonly certificateAuthoritiesPresent: number;
  readonly usersAdded: number;
  readonly usersPresent: number;
  /** Classic stores (certificateBasedAuthConfiguration), at most one a tenant. */
  readonly classicConfigurationsAdded: number;
  readonly classicConfigurationsPresent: number;
}

/** A seed PKI checked and ready: its record if it must be created, its CAs (their pkiId set on insert). */
interface PreparedPki {
  readonly path: readonly PathSegment[];
  readonly seed: SeedPki;
  readonly record: PkiRecord;
  readonly cas: readonly CaRecord[];
}

/** A seed user checked and ready; `byId` when the seed gave its id (else it is matched by userPrincipalName). */
interface PreparedUser {
  readonly path: readonly PathSegment[];
  readonly record: UserRecord;
  readonly byId: boolean;
}

interface PreparedTenant {
  readonly tenantId: string;
  readonly pkis: readonly PreparedPki[];
  readonly classic: ClassicConfigurationRecord | undefined;
  readonly users: readonly PreparedUser[];
  readonly clients: readonly OidcClientRecord[];
  readonly roles: readonly PreparedRoles[];
}

/** A seed entry of directoryRoleAssignments, checked: its user id lower-cased, its roles as the admin API keeps them. */
interface PreparedRoles {
  readonly path: readonly PathSegment[];
  readonly userId: string;
  readonly roleTemplateIds: readonly string[];
}

export class SeedService {
  constructor(
    private readonly store: Store,
    private readonly pkis: PkiService,
    private readonly cas: CaService,
    private readonly classicStore: ClassicStoreService,
    private readonly users: UserService,
  ) {}

  /** Applies the seed; a DocumentProblem names the first problem, and then nothing was written. */
  async apply(seed: SeedDocument): Promise<SeedResult> {
    const tenants = this.prepare(seed);
    const counts = {
      pkisAdded: 0,
      certificateAuthoritiesAdded: 0,
      pkisPresent: 0,
      certificateAuthoritiesPresent: 0,
      usersAdded: 0,
      usersPresent: 0,
      classicConfigurationsAdded: 0,
      classicConfigurationsPresent: 0,
    };
    await this.store.transaction(async (repos) => {
      for (const { tenantId, pkis, classic, users, clients, roles } of tenants) {
        // Several instances starting with the same seed take turns, so each PKI is created once.
        await repos.tenants.lock(tenantId);
        for (const pki of pkis) {
          const outcome = await this.applyPki(repos, tenantId, pki);
          counts.pkisAdded += outcome.pkiAdded ? 1 : 0;
          counts.pkisPresent += outcome.pkiAdded ? 0 : 1;
          counts.certificateAuthoritiesAdded += outcome.casAdded;
          counts.certificateAuthoritiesPresent += pki.cas.length - outcome.casAdded;
        }
        if (classic) {
          const present = (await repos.classicStore.find(tenantId)) !== undefined;
          if (!present) await repos.classicStore.insert(tenantId, classic);
          counts.classicConfigurationsAdded += present ? 0 : 1;
          counts.classicConfigurationsPresent += present ? 1 : 0;
        }
        for (const user of users) {
          const added = await this.applyUser(repos, tenantId, user);
          counts.usersAdded += added ? 1 : 0;
          counts.usersPresent += added ? 0 : 1;
        }
        // A client the tenant has (same id) stays as it is, like a PKI or CA already there.
        for (const client of clients) await repos.oidcClients.insert(tenantId, client);
        // After the users, so that an entry may name a user this seed adds.
        for (const assignment of roles) await this.applyRoles(repos, tenantId, assignment);
        await repos.tenants.unlock(tenantId);
      }
    });
    return counts;
  }

  /** Checks everything that needs no database: ids, names, every certificate. */
  private prepare(seed: SeedDocument): PreparedTenant[] {
    const tenantPaths = new Map<string, string>();
    return seed.tenants.map((tenant, i) => {
      const tenantPath: PathSegment[] = ['tenants', i];
      const tenantId = tenant.id.toLowerCase();
      refuseRepeat(tenantPaths, tenantId, [...tenantPath, 'id'], `the tenant '${tenantId}'`);
      const keys = new Map<string, string>();
      const pkis = tenant.pkis.map((seedPki, j) => {
        const path: PathSegment[] = [...tenantPath, 'pkis', j];
        const id = seedPki.id?.toLowerCase();
        // Two seed PKIs that would match the same stored PKI would merge on the next run.
        if (id === undefined) refuseRepeat(keys, `name:${seedPki.displayName}`, [...path, 'displayName'], `the displayName '${seedPki.displayName}' (of a PKI without an id)`);
        else refuseRepeat(keys, `id:${id}`, [...path, 'id'], `the id '${id}'`);
        const record = problemAt(path, () => this.pkis.prepareNew({ displayName: seedPki.displayName }, id));
        return { path, seed: seedPki, record, cas: this.prepareCas(seedPki, path) };
      });
      const clientIds = new Map<string, string>();
      const clients = (tenant.oidcClients ?? []).map((client, j) => {
        const path: PathSegment[] = [...tenantPath, 'oidcClients', j];
        refuseRepeat(clientIds, client.clientId, [...path, 'clientId'], `the clientId '${client.clientId}'`);
        const input: OidcClientInput = { ...client };
        return problemAt(path, () => prepareClient(input).record);
      });
      const roles = (tenant.directoryRoleAssignments ?? []).map((assignment, j): PreparedRoles => {
        const path: PathSegment[] = [...tenantPath, 'directoryRoleAssignments', j];
        const roleTemplateIds = problemAt(path, () => checkedRoles(assignment.userId, assignment.roleTemplateIds));
        return { path, userId: assignment.userId.toLowerCase(), roleTemplateIds };
      });
      const classic = tenant.classicCertificateBasedAuthConfiguration && this.prepareClassic(tenant.classicCertificateBasedAuthConfiguration, [...tenantPath, 'classicCertificateBasedAuthConfiguration']);
      const users = this.prepareUsers(tenant.users ?? [], tenantPath);
      return { tenantId, pkis, classic, users, clients, roles };
    });
  }

  private prepareCas(pki: SeedPki, pkiPath: readonly PathSegment[]): CaRecord[] {
    const now = graphTimestamp();
    const thumbprints = new Map<string, string>();
    return (pki.certificateAuthorities ?? []).map((ca, k) => {
      const path: PathSegment[] = [...pkiPath, 'certificateAuthorities', k];
      const { certificate, ...properties } = ca;
      const record = problemAt(path, () => this.cas.prepareNew('', { ...properties, certificate: apiCertificate(certificate) }, { id: newObjectId(), createdDateTime: now, deletedDateTime: null }));
      refuseRepeat(thumbprints, record.thumbprint, [...path, 'certificate'], 'the same certificate (Duplicate Certificate exists)');
      return record;
    });
  }

  /** The classic store through the API's own checks (POST …/certificateBasedAuthConfiguration), expiry judged now. */
  private prepareClassic(seed: SeedClassicConfiguration, path: readonly PathSegment[]): ClassicConfigurationRecord {
    const now = new Date();
    const certificateAuthorities = seed.certificateAuthorities.map((ca) => ({ ...ca, certificate: apiCertificate(ca.certificate) }));
    return { createdDateTime: graphTimestamp(now), certificateAuthorities: problemAt(path, () => this.classicStore.prepare(certificateAuthorities, now)) };
  }

  /** Each user through POST /users' own checks, required properties first; an id or userPrincipalName given twice is refused here. */
  private prepareUsers(seedUsers: readonly SeedUser[], tenantPath: readonly PathSegment[]): PreparedUser[] {
    const keys = new Map<string, string>();
    return seedUsers.map((seedUser, j) => {
      const path: PathSegment[] = [...tenantPath, 'users', j];
      const record = problemAt(path, () => {
        requireNewUserProperties(seedUser);
        const { id, passwordProfile: _password, ...input } = seedUser;
        return this.users.prepareNew(input, id?.toLowerCase());
      });
      const byId = seedUser.id !== undefined;
      if (byId) refuseRepeat(keys, `id:${record.id}`, [...path, 'id'], `the user id '${record.id}'`);
      refuseRepeat(keys, `upn:${record.userPrincipalName.toLowerCase()}`, [...path, 'userPrincipalName'], `the userPrincipalName '${record.userPrincipalName}'`);
      return { path, record, byId };
    });
  }

  /**
   * Adds the user unless the tenant has it, live or deleted (by id, else by userPrincipalName); true when
   * added. A value another live user holds is refused as POST /users refuses it.
   */
  private async applyUser(repos: Repositories, tenantId: string, user: PreparedUser): Promise<boolean> {
    const { record } = user;
    const existing = user.byId
      ? ((await repos.users.findById(tenantId, record.id)) ?? (await repos.users.findById(tenantId, record.id, 'deleted')))
      : ((await repos.users.findByUserPrincipalName(tenantId, record.userPrincipalName)) ??
        (await repos.users.findByUserPrincipalName(tenantId, record.userPrincipalName, 'deleted')));
    if (existing) return false;
    await problemAtAsync(user.path, () => this.users.checkUnique(repos, tenantId, record));
    await repos.users.insert(tenantId, record, this.users.entriesOf(record.certificateUserIds));
    return true;
  }

  /**
   * Adds the roles to the user, which must be a user of the tenant (the seed's own or one stored before),
   * as the admin API requires. A soft-deleted user is left as it is, as the seed leaves whatever a user
   * deleted, so a seed that loaded once still loads after its user was deleted; an id that is no user of
   * the tenant is refused, which rolls the whole seed back.
   */
  private async applyRoles(repos: Repositories, tenantId: string, assignment: PreparedRoles): Promise<void> {
    if (await repos.users.holdLive(tenantId, assignment.userId)) return repos.directoryRoles.add(tenantId, assignment.userId, assignment.roleTemplateIds);
    if (await repos.users.findById(tenantId, assignment.userId, 'deleted')) return;
    const notFound = graphErrors.notFound(assignment.userId).message.replace(/\.$/, '');
    throw new DocumentProblem(jsonPath([...assignment.path, 'userId']), `${notFound} (no user of the tenant has this id: give the user in the tenant's users, or create it first)`);
  }

  private async applyPki(repos: Repositories, tenantId: string, pki: PreparedPki): Promise<{ pkiAdded: boolean; casAdded: number }> {
    const existing = pki.seed.id
      ? ((await repos.pkis.findById(tenantId, pki.record.id)) ?? (await repos.pkis.findById(tenantId, pki.record.id, 'deleted')))
      : await repos.pkis.findByDisplayName(tenantId, pki.seed.displayName);
    // A PKI a user deleted stays deleted, CAs and all.
    if (existing?.deletedDateTime) return { pkiAdded: false, casAdded: 0 };
    const pkiId = existing?.id ?? pki.record.id;
    const present = existing ? await repos.cas.thumbprintsOf(tenantId, pkiId) : new Set<string>();
    const missing = pki.cas.filter((ca) => !present.has(ca.thumbprint)).map((ca) => ({ ...ca, pkiId }));
    if (!existing) await repos.pkis.insert(tenantId, pki.record);
    else if (missing.length > 0) await repos.pkis.touch(tenantId, pkiId, graphTimestamp());
    if (missing.length > 0) await problemAtAsync([...pki.path, 'certificateAuthorities'], () => this.cas.addToPki(repos, tenantId, pkiId, missing));
    return { pkiAdded: !existing, casAdded: missing.length };
  }
}

/** The API takes base64 (of DER or of PEM text); a seed may hold the PEM text itself. */
function apiCertificate(certificate: string): string {
  return certificate.includes('-----BEGIN') ? Buffer.from(certificate, 'utf8').toString('base64') : certificate;
}

/** Refuses a key seen earlier in the document, naming where. */
function refuseRepeat(seen: Map<string, string>, key: string, path: readonly PathSegment[], what: string): void {
  const earlier = seen.get(key);
  if (earlier !== undefined) throw new DocumentProblem(jsonPath(path), `${what} appears twice (also at ${earlier})`);
  seen.set(key, jsonPath(path));
}
