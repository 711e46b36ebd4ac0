// CRL health of a tenant's trust store: one entry per CRL URL configured on a live CA (base and delta),
// and `notConfigured` for a CA without one. Each CRL is downloaded through the guarded fetcher with
// Entra's limits (never from the cache: reachability and download time are what is measured), judged
// by the shared checks (pki/crl-health*.ts) and stored, so every instance reports the same state and a
// change of state is recorded once. Time-dependent judgements (validity, time left) are made again at
// every read from the stored dates. A CRL that passes every check is handed to the verification's CRL
// cache (which loads it as its own download): a refresh always, a monitor round only where the cache
// holds that URL already, so a new CRL (one that revokes, say) is used at once without the monitor
// filling the cache with CRLs no verification has asked for.
import type { CrlConfig } from '../../config.ts';
import { FetchError, type GuardedFetcher } from '../../net/guarded-fetcher.ts';
import { type Certificate, parseCertificate } from '../../pki/certificate.ts';
import { aadstsError } from '../../pki/aadsts-messages.ts';
import { assessCrl, type CrlDownload, type CrlFacts, factsOf } from '../../pki/crl-health-checks.ts';
import {
  check,
  type CrlHealthThresholds,
  type HealthCheck,
  type HealthStatus,
  secondsLeft,
  type SignInImpact,
  signInImpactOf,
  statusOf,
  validityCheck,
} from '../../pki/crl-health.ts';
import { type CrlConfiguredCa, type CrlHealthRow, healthKey } from '../../store/crl-health-repository.ts';
import type { Store } from '../../store/store.ts';
import type { X509PolicyService } from '../authentication-methods/x509-policy-service.ts';
import { graphErrors } from '../errors.ts';
import { downloadProblemOf } from './crl-service.ts';

export type CrlKind = 'base' | 'delta';

export interface CrlHealthEntry {
  readonly pkiId: string;
  readonly certificateAuthorityId: string;
  /** The CA's subject. */
  readonly subject: string;
  readonly kind: CrlKind;
  /** null for a CA without a CRL URL (notConfigured). */
  readonly url: string | null;
  readonly status: HealthStatus;
  readonly checks: readonly HealthCheck[];
  readonly crlNumber: string | null;
  readonly thisUpdate: string | null;
  readonly nextUpdate: string | null;
  /** Seconds until nextUpdate (negative once expired); null when unknown. */
  readonly timeLeftSeconds: number | null;
  /** Revoked entries listed. */
  readonly entryCount: number | null;
  readonly sizeBytes: number | null;
  readonly downloadMilliseconds: number | null;
  /** When the CRL was last downloaded and checked; null for notConfigured. */
  readonly checkedDateTime: string | null;
  /** What a sign-in with a certificate of this CA gets now (its base and delta CRLs together). */
  readonly signInImpact: SignInImpact;
}

/** What is stored of one check (crl_health.report). */
interface StoredReport {
  readonly checks: readonly HealthCheck[];
  readonly facts: CrlFacts | null;
  readonly sizeBytes: number | null;
  readonly downloadMilliseconds: number | null;
}

/** A CRL whose stored status changed with this check (from: null for its first check). */
export interface CrlHealthChange {
  readonly tenantId: string;
  readonly pkiId: string;
  readonly certificateAuthorityId: string;
  readonly kind: CrlKind;
  readonly url: string;
  readonly from: string | null;
  readonly to: string;
  /** The first failed or warning check, in words. */
  readonly reason: string | null;
}

/** One stored check as the metrics see it. */
export interface CrlHealthMetric {
  readonly tenantId: string;
  readonly certificateAuthorityId: string;
  readonly kind: CrlKind;
  readonly status: Exclude<HealthStatus, 'notConfigured'>;
  readonly timeLeftSeconds: number | null;
  readonly downloadMilliseconds: number | null;
  readonly sizeBytes: number | null;
}

export interface RefreshTarget {
  readonly url?: string | undefined;
  readonly certificateAuthorityId?: string | undefined;
}

/** The verification's CRL cache, as the health checks feed it (CrlService.accept). */
export interface CrlCacheIntake {
  accept(url: string, body: Buffer, options: { readonly onlyIfCached: boolean }): Promise<boolean>;
}

type HealthLimits = Pick<CrlConfig, 'maxCrlBytes' | 'crlDownloadTimeoutMs' | 'crlHealthWarningShare' | 'crlHealthWarningMinimumMs'>;

/** CRLs downloaded at once by one round of checks. */
const CHECK_CONCURRENCY = 4;

export class CrlHealthService {
  private readonly thresholds: CrlHealthThresholds;

  constructor(
    private readonly store: Store,
    private readonly fetcher: GuardedFetcher,
    limits: HealthLimits,
    private readonly policies: X509PolicyService,
    private readonly crlCache: CrlCacheIntake,
  ) {
    this.thresholds = {
      downloadTimeoutMs: limits.crlDownloadTimeoutMs,
      maxCrlBytes: limits.maxCrlBytes,
      warningShare: limits.crlHealthWarningShare,
      warningMinimumMs: limits.crlHealthWarningMinimumMs,
    };
  }

  /** Every configured CRL of the tenant; CRLs never checked (or whose URL changed) are checked now. */
  async list(tenantId: string): Promise<CrlHealthEntry[]> {
    const cas = await this.store.repositories.crlHealth.liveCas(tenantId);
    const rows = byKey(await this.store.repositories.crlHealth.rows(tenantId));
    const unchecked = cas.filter((ca) => configuredUrls(ca).some(({ kind, url }) => rows.get(healthKey(ca.tenantId, ca.id, kind))?.url !== url));
    if (unchecked.length > 0) await this.checkCas(unchecked, rows, { onlyIfCached: true });
    return this.entriesOf(tenantId, cas, rows);
  }

  /** Downloads and checks now the CRLs of one CA, or of every CA naming `url`; answers their entries. */
  async refresh(tenantId: string, target: RefreshTarget): Promise<{ entries: CrlHealthEntry[]; changes: CrlHealthChange[] }> {
    let cas = await this.store.repositories.crlHealth.liveCas(tenantId);
    const { certificateAuthorityId: id, url } = target;
    if (id !== undefined) {
      cas = cas.filter((ca) => ca.id.toLowerCase() === id.toLowerCase());
      if (cas.length === 0) throw graphErrors.notFound(id);
    }
    if (url !== undefined) {
      cas = cas.filter((ca) => configuredUrls(ca).some((c) => c.url === url));
      if (cas.length === 0) throw graphErrors.badRequest(`No certificate authority${id === undefined ? '' : ` '${id}'`} of the tenant has the CRL URL '${url}'.`);
    }
    const rows = byKey(await this.store.repositories.crlHealth.rows(tenantId));
    const changes = await this.checkCas(cas, rows, { onlyIfCached: false });
    return { entries: await this.entriesOf(tenantId, cas, rows), changes };
  }

  /**
   * One round of the monitor over every tenant: checks every configured CRL not checked within
   * `freshForMs` (by another instance, or a refresh); returns the changes of state.
   */
  async checkAll(freshForMs = 0): Promise<CrlHealthChange[]> {
    const repository = this.store.repositories.crlHealth;
    const cas = await repository.liveCas();
    const rows = byKey(await repository.rows());
    const cutoff = new Date(Date.now() - freshForMs).toISOString();
    const due = cas.filter((ca) =>
      configuredUrls(ca).some(({ kind, url }) => {
        const row = rows.get(healthKey(ca.tenantId, ca.id, kind));
        return row === undefined || row.url !== url || row.checked_at <= cutoff;
      }),
    );
    const changes = await this.checkCas(due, rows, { onlyIfCached: true });
    await repository.forgetExcept(undefined, new Set(cas.flatMap((ca) => configuredUrls(ca).map(({ kind }) => healthKey(ca.tenantId, ca.id, kind)))));
    return changes;
  }

  /** Every stored check with its status and time left judged again now: what the metrics export. */
  async metricsEntries(): Promise<CrlHealthMetric[]> {
    const now = new Date();
    return (await this.store.repositories.crlHealth.rows()).map((row) => {
      const report = this.rejudged(JSON.parse(row.report) as StoredReport, row.url, now);
      return {
        tenantId: row.tenant_id,
        certificateAuthorityId: row.ca_id,
        kind: row.kind as CrlKind,
        status: statusOf(report.checks),
        timeLeftSeconds: secondsLeft(dateOrNull(report.facts?.nextUpdate), now),
        downloadMilliseconds: report.downloadMilliseconds,
        sizeBytes: report.sizeBytes,
      };
    });
  }

  /**
   * Checks the CAs' configured CRLs (each URL downloaded once) and stores the results into `rows` too;
   * CRLs that pass go to the CRL cache (`feed`: only where it holds the URL already, or always).
   */
  private async checkCas(cas: readonly CrlConfiguredCa[], rows: Map<string, CrlHealthRow>, feed: { readonly onlyIfCached: boolean }): Promise<CrlHealthChange[]> {
    const downloads = new Map<string, Promise<CrlDownload>>();
    const download = (url: string) => {
      let pending = downloads.get(url);
      if (!pending) {
        pending = this.download(url);
        downloads.set(url, pending);
      }
      return pending;
    };
    const changes: CrlHealthChange[] = [];
    const queue = [...cas];
    const worker = async () => {
      for (let ca = queue.shift(); ca; ca = queue.shift()) {
        for (const { kind, url, report } of await this.checkCa(ca, download, feed)) {
          const key = healthKey(ca.tenantId, ca.id, kind);
          const previous = rows.get(key);
          const status = statusOf(report.checks);
          const row: CrlHealthRow = { tenant_id: ca.tenantId, ca_id: ca.id, kind, url, status, report: JSON.stringify(report), checked_at: new Date().toISOString() };
          const comparable = previous?.url === url ? previous.status : undefined;
          const changed = await this.store.repositories.crlHealth.record(row, previous?.status);
          rows.set(key, row);
          if (changed && comparable !== status && !(comparable === undefined && status === 'healthy')) {
            const reason = report.checks.find((c) => c.result === 'fail') ?? report.checks.find((c) => c.result === 'warning');
            changes.push({ tenantId: ca.tenantId, pkiId: ca.pkiId, certificateAuthorityId: ca.id, kind, url, from: comparable ?? null, to: status, reason: reason ? `${reason.name}: ${reason.detail}` : null });
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, cas.length) }, worker));
    return changes;
  }

  private async checkCa(
    ca: CrlConfiguredCa,
    download: (url: string) => Promise<CrlDownload>,
    feed: { readonly onlyIfCached: boolean },
  ): Promise<Array<{ kind: CrlKind; url: string; report: StoredReport }>> {
    const certificate = parsedOrUndefined(ca.certificate);
    const baseUrl = ca.certificateRevocationListUrl;
    const deltaUrl = ca.deltaCertificateRevocationListUrl;
    const results: Array<{ kind: CrlKind; url: string; report: StoredReport }> = [];
    if (baseUrl === null) {
      if (deltaUrl !== null) {
        const misconfigured = check('configuration', 'fail', 'a delta CRL URL is set without a base CRL URL', aadstsError(500177));
        results.push({ kind: 'delta', url: deltaUrl, report: { checks: [misconfigured], facts: null, sizeBytes: null, downloadMilliseconds: null } });
      }
      return results;
    }
    const now = new Date();
    const assess = async (kind: CrlKind, url: string, base?: ReturnType<typeof assessCrl>['crl']) => {
      const highest = (await this.store.repositories.crlCache.find(url))?.highest_crl_number;
      const downloaded = await download(url);
      const assessment = assessCrl({
        kind,
        url,
        download: downloaded,
        ca: certificate,
        highestCrlNumberSeen: highest ? BigInt(highest) : undefined,
        base,
        now,
        thresholds: this.thresholds,
      });
      const report: StoredReport = { checks: assessment.checks, facts: assessment.crl ? factsOf(assessment.crl) : null, sizeBytes: assessment.sizeBytes, downloadMilliseconds: assessment.downloadMs };
      results.push({ kind, url, report });
      // After the assessment, which compares the CRL number with the highest the cache has seen.
      if (downloaded.kind === 'body' && statusOf(assessment.checks) !== 'failing') await this.crlCache.accept(url, downloaded.body, feed);
      return assessment;
    };
    const base = await assess('base', baseUrl);
    if (deltaUrl !== null) await assess('delta', deltaUrl, base.crl);
    return results;
  }

  /** GET with Entra's limits, timed; every way it can fail is told, none thrown. */
  private async download(url: string): Promise<CrlDownload> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const { body } = await this.fetcher.fetch(url, { maxBytes: this.thresholds.maxCrlBytes });
      return { kind: 'body', body, durationMs: elapsed() };
    } catch (error) {
      if (!(error instanceof FetchError)) throw error;
      return { kind: 'failed', problem: downloadProblemOf(url, error, this.thresholds.maxCrlBytes), message: error.message, durationMs: elapsed() };
    }
  }

  /** Entries of the CAs from the stored checks, judged now; one per configured URL, or notConfigured. */
  private async entriesOf(tenantId: string, cas: readonly CrlConfiguredCa[], rows: Map<string, CrlHealthRow>): Promise<CrlHealthEntry[]> {
    const now = new Date();
    const policy = (await this.policies.getPolicy(tenantId)).crlValidationConfiguration;
    const entries: CrlHealthEntry[] = [];
    for (const ca of cas) {
      const certificate = parsedOrUndefined(ca.certificate);
      const subject = certificate?.subjectText ?? '';
      const stored = (kind: CrlKind) => {
        const row = rows.get(healthKey(ca.tenantId, ca.id, kind));
        const url = kind === 'base' ? ca.certificateRevocationListUrl : ca.deltaCertificateRevocationListUrl;
        return row && url !== null && row.url === url ? { row, report: this.rejudged(JSON.parse(row.report) as StoredReport, url, now) } : undefined;
      };
      const base = stored('base');
      const delta = stored('delta');
      let impact = signInImpactOf(base?.report.checks ?? null, delta?.report.checks ?? null);
      const where = { pkiId: ca.pkiId, certificateAuthorityId: ca.id, subject };
      if (!base) {
        const required = policy.state === 'enabled' && !policy.exemptedCertificateAuthoritiesSubjectKeyIdentifiers.some((ski) => ski.replace(/[\s:]/g, '').toUpperCase() === certificate?.subjectKeyIdentifier);
        if (impact.result === 'success' && required) {
          // What the verification answers for it (sign-in-errors.ts): Entra's 500175.
          impact = { result: 'failure', errorCode: 'AADSTS500175', message: aadstsError(500175).message };
        }
        entries.push({ ...where, kind: 'base', url: null, status: 'notConfigured', checks: [], ...noFacts, checkedDateTime: null, signInImpact: impact });
      }
      for (const [kind, found] of [['base', base], ['delta', delta]] as const) {
        if (!found) continue;
        const { report, row } = found;
        const facts = report.facts;
        entries.push({
          ...where,
          kind,
          url: row.url,
          status: statusOf(report.checks),
          checks: report.checks,
          crlNumber: facts?.crlNumber ?? null,
          thisUpdate: facts?.thisUpdate ?? null,
          nextUpdate: facts?.nextUpdate ?? null,
          timeLeftSeconds: secondsLeft(dateOrNull(facts?.nextUpdate), now),
          entryCount: facts?.entryCount ?? null,
          sizeBytes: report.sizeBytes,
          downloadMilliseconds: report.downloadMilliseconds,
          checkedDateTime: row.checked_at,
          signInImpact: impact,
        });
      }
    }
    return entries;
  }

  /**
   * The stored report with its validity check judged again at `now` (a check of the CRL at `url`). A check
   * stored before checks carried their message reads message null.
   */
  private rejudged(report: StoredReport, url: string, now: Date): StoredReport {
    const facts = report.facts;
    const naming = { crlUrl: url, issuer: facts?.issuer ?? null };
    return {
      ...report,
      checks: report.checks.map((c) =>
        facts && c.name === 'validity' ? validityCheck(new Date(facts.thisUpdate), dateOrNull(facts.nextUpdate), now, this.thresholds, naming) : { ...c, message: c.message ?? null },
      ),
    };
  }
}

const noFacts = { crlNumber: null, thisUpdate: null, nextUpdate: null, timeLeftSeconds: null, entryCount: null, sizeBytes: null, downloadMilliseconds: null } as const;

function configuredUrls(ca: CrlConfiguredCa): Array<{ kind: CrlKind; url: string }> {
  const urls: Array<{ kind: CrlKind; url: string }> = [];
  if (ca.certificateRevocationListUrl !== null) urls.push({ kind: 'base', url: ca.certificateRevocationListUrl });
  if (ca.deltaCertificateRevocationListUrl !== null) urls.push({ kind: 'delta', url: ca.deltaCertificateRevocationListUrl });
  return urls;
}

function byKey(rows: readonly CrlHealthRow[]): Map<string, CrlHealthRow> {
  return new Map(rows.map((row) => [healthKey(row.tenant_id, row.ca_id, row.kind), row]));
}

function dateOrNull(iso: string | null | undefined): Date | null {
  return iso ? new Date(iso) : null;
}

function parsedOrUndefined(base64: string): Certificate | undefined {
  try {
    return parseCertificate(Buffer.from(base64, 'base64'));
  } catch {
    return undefined;
  }
}
