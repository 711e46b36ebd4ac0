// Tenant snapshots for the admin API: export everything a tenant holds (deleted items, finished upload
// jobs and the certificate sign-in's clients, roles and log included) as one document, and import such a
// document into an empty tenant, ids and times kept, every CA checked as the Graph API checks it, all of
// it in one transaction or none of it.
import type { Limits } from '../../config.ts';
import type { CaRecord } from '../../store/ca-repository.ts';
import { isUniqueViolation } from '../../store/database.ts';
import type { JobRecord } from '../../store/job-repository.ts';
import type { PkiRecord } from '../../store/pki-repository.ts';
import type { Store } from '../../store/store.ts';
import type { TenantContentCounts } from '../../store/tenant-repository.ts';
import type { StoredX509Policy } from '../../store/policy-document-repository.ts';
import type { CaService } from '../trust-store/ca-service.ts';
import type { ClassicStoreService } from '../trust-store/classic-store-service.ts';
import type { ClassicConfigurationRecord } from '../../store/classic-store-repository.ts';
import { graphTimestamp } from '../clock.ts';
import { GraphError, graphErrors } from '../errors.ts';
import { newObjectId } from '../ids.ts';
import { eventLoopShare } from '../event-loop-share.ts';
import { DocumentProblem, jsonPath, type PathSegment, problemAt } from '../json-document.ts';
import type { PkiService } from '../trust-store/pki-service.ts';
import {
  SNAPSHOT_FORMAT,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotCa,
  type SnapshotClassicConfiguration,
  type SnapshotPki,
  type SnapshotUploadJob,
  type TenantSnapshot,
} from './tenant-snapshot.ts';
import { UPLOAD_JOB, type UploadPayload } from '../trust-store/upload-service.ts';
import { checkMillisecondTime, checkNotBefore, checkTime } from './snapshot-times.ts';
import { planUsers, snapshotUser } from './user-snapshot.ts';
import { planSignInState, type SignInStatePlan, snapshotClient, snapshotRoleAssignments, snapshotSignIn } from './signin-snapshot.ts';
import type { UserService } from '../directory/user-service.ts';
import type { UserRecord } from '../../store/user-repository.ts';
import { policyFromDocument, policyOf } from '../authentication-methods/x509-policy-service.ts';
import { settingsFromDocument, settingsOf } from '../authentication-methods/methods-policy-service.ts';

/** The rows an import writes, checked and ready. */
interface ImportPlan {
  readonly pkis: readonly PkiRecord[];
  readonly cas: readonly CaRecord[];
  readonly jobs: readonly Omit<JobRecord, 'tenantId'>[];
  readonly policy: StoredX509Policy | undefined;
  readonly classic: ClassicConfigurationRecord | undefined;
  readonly users: readonly UserRecord[];
  readonly methodsPolicy: StoredX509Policy | undefined;
  readonly signInState: SignInStatePlan;
}

/** A snapshot that does not pass: 400 naming where and what. */
export function invalidSnapshot(problem: DocumentProblem): GraphError {
  return graphErrors.badRequest(`The snapshot is invalid: ${problem.message}`);
}

export class SnapshotService {
  constructor(
    private readonly store: Store,
    private readonly pkis: PkiService,
    private readonly cas: CaService,
    private readonly limits: Pick<Limits, 'maxCasPerPki'>,
    private readonly classic: ClassicStoreService,
    private readonly users: UserService,
  ) {}

  /** Everything the tenant holds; 409 while one of its uploads is queued or running (its outcome is not known yet). */
  async export(tenantId: string): Promise<TenantSnapshot> {
    const { pkis, cas, jobs, policy, classic, users, methodsPolicy, oidcClients, roles, signIns } = await this.store.consistentRead(async (repos) => ({
      pkis: await repos.pkis.allOfTenant(tenantId),
      cas: await repos.cas.allOfTenant(tenantId),
      jobs: await repos.jobs.allOfTenant(tenantId),
      policy: await repos.x509Policies.find(tenantId),
      classic: await repos.classicStore.find(tenantId),
      users: await repos.users.allOfTenant(tenantId),
      methodsPolicy: await repos.methodsPolicies.find(tenantId),
      oidcClients: await repos.oidcClients.list(tenantId),
      roles: await repos.directoryRoles.allOfTenant(tenantId),
      signIns: await repos.signInLogs.allOfTenant(tenantId),
    }));
    const unfinished = jobs.find((job) => job.state === 'queued' || job.state === 'running');
    if (unfinished) {
      throw graphErrors.conflict(
        `An upload into PKI '${unfinished.subjectId}' is ${unfinished.state}; export the tenant once it has finished (when the PKI's status is no longer 'running').`,
      );
    }
    const directoryRoleAssignments = snapshotRoleAssignments(roles, new Set(users.map((user) => user.id)), tenantId);
    const casByPki = new Map<string, SnapshotCa[]>();
    for (const ca of cas) {
      const list = casByPki.get(ca.pkiId) ?? [];
      list.push(snapshotCa(ca));
      casByPki.set(ca.pkiId, list);
    }
    return {
      format: SNAPSHOT_FORMAT,
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      tenantId,
      exportedDateTime: graphTimestamp(),
      certificateBasedAuthConfigurations: pkis.map((pki) => snapshotPki(pki, casByPki.get(pki.id) ?? [])),
      uploadJobs: jobs.filter((job) => job.kind === UPLOAD_JOB).map(snapshotJob),
      x509CertificatePolicy: policy ? { configuration: policyOf(policy), lastModifiedDateTime: policy.lastModifiedDateTime } : null,
      classicCertificateBasedAuthConfiguration: classic ? snapshotClassic(classic) : null,
      users: users.map(snapshotUser),
      authenticationMethodsPolicy: methodsPolicy
        ? { configuration: settingsOf(methodsPolicy.configuration), lastModifiedDateTime: methodsPolicy.lastModifiedDateTime }
        : null,
      oidcClients: oidcClients.map(snapshotClient),
      directoryRoleAssignments,
      signIns: signIns.map(snapshotSignIn),
    };
  }

  /**
   * Imports a snapshot (structurally checked by the caller against the snapshot schema) into a tenant
   * that holds nothing: 400 naming the first problem, 409 when the tenant is not empty; else every row
   * in one transaction. The tenant may differ from the one exported.
   */
  async import(tenantId: string, snapshot: TenantSnapshot): Promise<TenantContentCounts> {
    let plan: ImportPlan;
    try {
      plan = await this.plan(snapshot);
    } catch (error) {
      if (error instanceof DocumentProblem) throw invalidSnapshot(error);
      throw error;
    }
    try {
      return await this.store.transaction(async (repos) => {
        await repos.tenants.lock(tenantId);
        const held = await repos.tenants.contentCounts(tenantId);
        if (Object.values(held).some((n) => n > 0)) throw notEmpty(tenantId, held);
        for (const pki of plan.pkis) await repos.pkis.insert(tenantId, pki);
        await repos.cas.insert(tenantId, plan.cas);
        // Job ids are unique across tenants and appear nowhere in the API: one already taken (the same
        // snapshot imported into a second tenant) gets a new id.
        const taken = await repos.jobs.existingIds(plan.jobs.map((job) => job.id));
        for (const job of plan.jobs) {
          await repos.jobs.insertRecord({ ...job, tenantId, id: taken.has(job.id) ? newObjectId(job.createdAt) : job.id });
        }
        if (plan.policy) await repos.x509Policies.save(tenantId, plan.policy);
        if (plan.classic) await this.classic.insert(repos, tenantId, plan.classic);
        for (const user of plan.users) await repos.users.insert(tenantId, user, this.users.entriesOf(user.certificateUserIds));
        if (plan.methodsPolicy) await repos.methodsPolicies.save(tenantId, plan.methodsPolicy);
        const { clients, roles, signIns } = plan.signInState;
        for (const client of clients) {
          if (!(await repos.oidcClients.insert(tenantId, client))) throw raced(tenantId);
        }
        for (const { userId, roleTemplateIds } of roles) await repos.directoryRoles.add(tenantId, userId, roleTemplateIds);
        for (const signIn of signIns) await repos.signInLogs.insert(tenantId, signIn);
        await repos.tenants.unlock(tenantId);
        return {
          certificateBasedAuthConfigurations: plan.pkis.length,
          certificateAuthorities: plan.cas.length,
          jobs: plan.jobs.length,
          x509CertificatePolicies: plan.policy ? 1 : 0,
          classicCertificateBasedAuthConfigurations: plan.classic ? 1 : 0,
          classicCertificateAuthorities: plan.classic?.certificateAuthorities.length ?? 0,
          users: plan.users.length,
          oidcClients: clients.length,
          directoryRoleAssignments: roles.reduce((n, { roleTemplateIds }) => n + roleTemplateIds.length, 0),
          signIns: signIns.length,
        };
      });
    } catch (error) {
      // Only a writer that bypassed the tenant lock could collide with our rows.
      if (isUniqueViolation(error)) throw raced(tenantId);
      throw error;
    }
  }

  /**
   * Checks the whole document and turns it into rows; throws a DocumentProblem at the first problem.
   * 64 MB of snapshot is tens of thousands of certificates to parse: other requests get turns meanwhile.
   */
  private async plan(snapshot: TenantSnapshot): Promise<ImportPlan> {
    const share = eventLoopShare();
    const ids = new Map<string, string>();
    const claimId = (id: string, path: PathSegment[]) => {
      const earlier = ids.get(id);
      if (earlier !== undefined) throw new DocumentProblem(jsonPath([...path, 'id']), `the id '${id}' is already used by ${earlier}`);
      ids.set(id, jsonPath(path));
    };
    const pkis: PkiRecord[] = [];
    const cas: CaRecord[] = [];
    checkTime(snapshot.exportedDateTime, ['exportedDateTime']);
    for (const [i, pki] of snapshot.certificateBasedAuthConfigurations.entries()) {
      const path: PathSegment[] = ['certificateBasedAuthConfigurations', i];
      claimId(pki.id, path);
      problemAt(path, () => this.pkis.checkDisplayName(pki.displayName));
      pkis.push(this.pkiRecord(pki, path));
      const liveThumbprints = new Map<string, number>();
      for (const [j, ca] of pki.certificateAuthorities.entries()) {
        await share();
        const caPath = [...path, 'certificateAuthorities', j];
        claimId(ca.id, caPath);
        const record = this.caRecord(pki.id, ca, caPath);
        if (record.deletedDateTime === null) {
          const earlier = liveThumbprints.get(record.thumbprint);
          if (earlier !== undefined) {
            throw new DocumentProblem(jsonPath(caPath), `Duplicate Certificate exists: the same certificate as certificateAuthorities[${earlier}] of this PKI, and both are live`);
          }
          liveThumbprints.set(record.thumbprint, j);
        }
        cas.push(record);
      }
      if (liveThumbprints.size > this.limits.maxCasPerPki) {
        throw new DocumentProblem(
          jsonPath([...path, 'certificateAuthorities']),
          `${liveThumbprints.size} live certificate authorities, more than a PKI may hold (${this.limits.maxCasPerPki})`,
        );
      }
    }
    const pkiIds = new Set(pkis.map((pki) => pki.id));
    const jobIds = new Set<string>();
    const jobs = snapshot.uploadJobs.map((job, i) => {
      const path: PathSegment[] = ['uploadJobs', i];
      if (jobIds.has(job.id)) throw new DocumentProblem(jsonPath([...path, 'id']), `the id '${job.id}' is already used by another upload job`);
      jobIds.add(job.id);
      if (!pkiIds.has(job.pkiId)) throw new DocumentProblem(jsonPath([...path, 'pkiId']), `no PKI of the snapshot has the id '${job.pkiId}'`);
      return jobRecord(job, path);
    });
    const policy = snapshot.x509CertificatePolicy;
    const path: PathSegment[] = ['x509CertificatePolicy'];
    const methodsPolicy = snapshot.authenticationMethodsPolicy ?? null;
    const methodsPath: PathSegment[] = ['authenticationMethodsPolicy'];
    return {
      pkis,
      cas,
      jobs,
      classic: this.classicRecord(snapshot),
      users: planUsers(snapshot.users ?? [], this.users, claimId),
      policy: policy
        ? {
            configuration: JSON.stringify(problemAt([...path, 'configuration'], () => policyFromDocument(policy.configuration))),
            lastModifiedDateTime: checkTime(policy.lastModifiedDateTime, [...path, 'lastModifiedDateTime']),
          }
        : undefined,
      methodsPolicy: methodsPolicy
        ? {
            configuration: JSON.stringify(problemAt([...methodsPath, 'configuration'], () => settingsFromDocument(methodsPolicy.configuration))),
            lastModifiedDateTime: checkTime(methodsPolicy.lastModifiedDateTime, [...methodsPath, 'lastModifiedDateTime']),
          }
        : undefined,
      signInState: planSignInState(snapshot),
    };
  }

  /**
   * The classic store through the API's own checks. Expiry is judged at the export time: the list was
   * valid then, and a CA that expired since is still what the tenant held.
   */
  private classicRecord(snapshot: TenantSnapshot): ClassicConfigurationRecord | undefined {
    const classic = snapshot.classicCertificateBasedAuthConfiguration;
    if (!classic) return undefined;
    const path: PathSegment[] = ['classicCertificateBasedAuthConfiguration'];
    const createdDateTime = checkTime(classic.createdDateTime, [...path, 'createdDateTime']);
    const certificateAuthorities = problemAt(path, () => this.classic.prepare(classic.certificateAuthorities, new Date(snapshot.exportedDateTime)));
    return { createdDateTime, certificateAuthorities };
  }

  private pkiRecord(pki: SnapshotPki, path: PathSegment[]): PkiRecord {
    const createdDateTime = checkTime(pki.createdDateTime, [...path, 'createdDateTime']);
    return {
      id: pki.id,
      displayName: pki.displayName,
      status: pki.status,
      statusDetails: pki.statusDetails,
      createdDateTime,
      lastModifiedDateTime: checkNotBefore(checkTime(pki.lastModifiedDateTime, [...path, 'lastModifiedDateTime']), createdDateTime, [...path, 'lastModifiedDateTime']),
      deletedDateTime: pki.deletedDateTime === null ? null : checkNotBefore(checkTime(pki.deletedDateTime, [...path, 'deletedDateTime']), createdDateTime, [...path, 'deletedDateTime']),
    };
  }

  /** The CA through the Graph API's own checks, then held to exactly what the certificate determines. */
  private caRecord(pkiId: string, ca: SnapshotCa, path: PathSegment[]): CaRecord {
    const createdDateTime = checkTime(ca.createdDateTime, [...path, 'createdDateTime']);
    const identity = {
      id: ca.id,
      createdDateTime,
      deletedDateTime: ca.deletedDateTime === null ? null : checkNotBefore(checkTime(ca.deletedDateTime, [...path, 'deletedDateTime']), createdDateTime, [...path, 'deletedDateTime']),
    };
    const { id: _id, createdDateTime: _created, deletedDateTime: _deleted, ...input } = ca;
    const record = problemAt(path, () => this.cas.prepareNew(pkiId, input, identity));
    // prepareNew lets a client leave derived properties out or write them loosely; a snapshot holds them
    // exactly as stored, so anything else means the document was altered.
    for (const property of ['certificateAuthorityType', 'issuer', 'issuerSubjectKeyIdentifier', 'thumbprint', 'expirationDateTime'] as const) {
      if (ca[property] !== record[property]) {
        throw new DocumentProblem(
          jsonPath([...path, property]),
          `${JSON.stringify(ca[property])} is not what the certificate determines (${JSON.stringify(record[property])})`,
        );
      }
    }
    return record;
  }
}

function snapshotPki(pki: PkiRecord, certificateAuthorities: readonly SnapshotCa[]): SnapshotPki {
  return {
    id: pki.id,
    displayName: pki.displayName,
    status: pki.status,
    statusDetails: pki.statusDetails,
    createdDateTime: pki.createdDateTime,
    lastModifiedDateTime: pki.lastModifiedDateTime,
    deletedDateTime: pki.deletedDateTime,
    certificateAuthorities,
  };
}

function snapshotCa(ca: CaRecord): SnapshotCa {
  return {
    id: ca.id,
    certificate: ca.certificate,
    certificateAuthorityType: ca.certificateAuthorityType,
    displayName: ca.displayName,
    issuer: ca.issuer,
    issuerSubjectKeyIdentifier: ca.issuerSubjectKeyIdentifier,
    thumbprint: ca.thumbprint,
    createdDateTime: ca.createdDateTime,
    expirationDateTime: ca.expirationDateTime,
    certificateRevocationListUrl: ca.certificateRevocationListUrl,
    deltaCertificateRevocationListUrl: ca.deltaCertificateRevocationListUrl,
    isIssuerHintEnabled: ca.isIssuerHintEnabled,
    deletedDateTime: ca.deletedDateTime,
  };
}

function snapshotClassic(classic: ClassicConfigurationRecord): SnapshotClassicConfiguration {
  return {
    createdDateTime: classic.createdDateTime,
    certificateAuthorities: classic.certificateAuthorities.map((ca) => ({
      certificate: ca.certificate,
      isRootAuthority: ca.isRootAuthority,
      certificateRevocationListUrl: ca.certificateRevocationListUrl,
      deltaCertificateRevocationListUrl: ca.deltaCertificateRevocationListUrl,
    })),
  };
}

function snapshotJob(job: JobRecord): SnapshotUploadJob {
  const payload = JSON.parse(job.payload) as UploadPayload;
  return {
    id: job.id,
    pkiId: job.subjectId,
    uploadUrl: payload.uploadUrl,
    sha256FileHash: payload.sha256FileHash,
    // export() refused unfinished jobs.
    status: job.state === 'succeeded' ? 'succeeded' : 'failed',
    statusDetails: job.result,
    attempts: job.attempts,
    createdDateTime: new Date(job.createdAt).toISOString(),
    finishedDateTime: job.finishedAt === null ? null : new Date(job.finishedAt).toISOString(),
  };
}

function jobRecord(job: SnapshotUploadJob, path: PathSegment[]): Omit<JobRecord, 'tenantId'> {
  if (!URL.canParse(job.uploadUrl)) throw new DocumentProblem(jsonPath([...path, 'uploadUrl']), 'is not an absolute http or https URL');
  const payload: UploadPayload = { uploadUrl: job.uploadUrl, sha256FileHash: job.sha256FileHash };
  return {
    id: job.id,
    kind: UPLOAD_JOB,
    subjectId: job.pkiId,
    payload: JSON.stringify(payload),
    state: job.status,
    attempts: job.attempts,
    leaseOwner: null,
    leaseExpiresAt: null,
    result: job.statusDetails,
    createdAt: checkMillisecondTime(job.createdDateTime, [...path, 'createdDateTime']),
    // The schema already refuses null here; a finished job always ended at some time.
    finishedAt: checkMillisecondTime(job.finishedDateTime ?? '', [...path, 'finishedDateTime']),
  };
}

function raced(tenantId: string): GraphError {
  return graphErrors.conflict(`Tenant '${tenantId}' received other data while the snapshot was imported; nothing was imported.`);
}

function notEmpty(tenantId: string, held: TenantContentCounts): GraphError {
  const holding = Object.entries(held)
    .filter(([, n]) => n > 0)
    .map(([table, n]) => `${table}: ${n}`)
    .join(', ');
  return graphErrors.conflict(
    `Tenant '${tenantId}' is not empty (${holding}; deleted items included); a snapshot is imported only into an empty tenant. Reset it first (DELETE /_admin/tenants/${tenantId}).`,
  );
}
