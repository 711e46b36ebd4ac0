// The asynchronous `upload` action: the request stores a job and marks the PKI running; a job runner
// later downloads the .p7b through the guarded fetcher, checks its hash and every certificate, and
// applies the whole bundle in one transaction, or none of it, recording the outcome on the PKI.
import { createHash } from 'node:crypto';
import type { Limits } from '../../config.ts';
import { FetchError, type GuardedFetcher } from '../../net/guarded-fetcher.ts';
import { BundleProblem, certificatesOfBundle } from '../../pki/certificate-bundle.ts';
import { type CaCertificate, CertificateProblem, parseCaCertificate } from '../../pki/ca-certificate.ts';
import { parseCertificate } from '../../pki/certificate.ts';
import { crlUrlsOfBundle } from '../../pki/crl-url-assignment.ts';
import { eventLoopShare } from '../event-loop-share.ts';
import type { CaRecord } from '../../store/ca-repository.ts';
import { isUniqueViolation } from '../../store/database.ts';
import type { JobRecord } from '../../store/job-repository.ts';
import type { Store } from '../../store/store.ts';
import { derivedProperties, isHttpUrl } from './ca-service.ts';
import { checkStorableCertificate } from '../storable-text.ts';
import { graphTimestamp } from '../clock.ts';
import { newObjectId } from '../ids.ts';
import { graphErrors } from '../errors.ts';
import { type JobContext, LeaseLost } from './job-runner.ts';
import { PKI_STATUS_IDLE } from './pki-service.ts';

export const UPLOAD_JOB = 'upload';
export const PKI_STATUS_RUNNING = 'running';
export const PKI_STATUS_FAILED = 'failed';

export interface UploadRequest {
  readonly uploadUrl: string;
  readonly sha256FileHash: string;
}

export interface UploadPayload {
  readonly uploadUrl: string;
  /** Uppercase hex. */
  readonly sha256FileHash: string;
}

/** Why an upload failed; its message becomes the PKI's statusDetails. */
class UploadFailure extends Error {}

type UploadLimits = Pick<Limits, 'maxCasPerPki' | 'maxCaCertificateBytes' | 'maxUploadBytes' | 'jobMaxAttempts'>;

export class UploadService {
  constructor(
    private readonly store: Store,
    private readonly fetcher: GuardedFetcher,
    private readonly limits: UploadLimits,
    /** Called after a job is stored so a local runner starts at once instead of at its next poll. */
    private readonly onEnqueued: () => void = () => {},
  ) {}

  async requestUpload(tenantId: string, pkiId: string, request: UploadRequest): Promise<void> {
    if (!isHttpUrl(request.uploadUrl)) {
      throw graphErrors.badRequest(`Invalid value specified for parameter 'uploadUrl': '${request.uploadUrl}' is not an absolute http or https URL.`);
    }
    if (new URL(request.uploadUrl).username || new URL(request.uploadUrl).password) {
      throw graphErrors.badRequest("Invalid value specified for parameter 'uploadUrl': credentials in the URL are not allowed.");
    }
    if (!/^[0-9a-fA-F]{64}$/.test(request.sha256FileHash)) {
      throw graphErrors.badRequest("Invalid value specified for parameter 'sha256FileHash': expected the SHA-256 of the file as 64 hexadecimal characters.");
    }
    const payload: UploadPayload = { uploadUrl: request.uploadUrl, sha256FileHash: request.sha256FileHash.toUpperCase() };
    await this.store.transaction(async (repos) => {
      if (!(await repos.pkis.markRunning(tenantId, pkiId, graphTimestamp()))) {
        if (await repos.pkis.findById(tenantId, pkiId)) {
          throw graphErrors.badRequest('An upload is already running for this PKI; wait until its status is no longer running.');
        }
        throw graphErrors.notFound(pkiId);
      }
      await repos.jobs.enqueue({
        id: newObjectId(),
        tenantId,
        kind: UPLOAD_JOB,
        subjectId: pkiId,
        payload: JSON.stringify(payload),
        createdAt: Date.now(),
      });
    });
    this.onEnqueued();
  }

  /** Runs one claimed upload job to its end: succeeded or failed, recorded exactly once. */
  async runJob(job: JobRecord, context: JobContext): Promise<void> {
    const payload = JSON.parse(job.payload) as UploadPayload;
    if (job.attempts > this.limits.jobMaxAttempts) {
      await this.fail(job, context, `Upload failed: the job was interrupted ${job.attempts - 1} times before it could finish.`);
      return;
    }
    let certificates: CaCertificate[];
    try {
      certificates = await this.downloadAndCheck(payload, context.signal);
    } catch (error) {
      if (!(error instanceof UploadFailure)) throw error;
      await this.fail(job, context, `Upload failed: ${error.message}`);
      return;
    }
    try {
      await this.apply(job, context, payload, certificates);
    } catch (error) {
      if (error instanceof UploadFailure) await this.fail(job, context, `Upload failed: ${error.message}`);
      else if (isUniqueViolation(error)) await this.fail(job, context, 'Upload failed: Duplicate Certificate exists: a certificate of the bundle was added to the PKI while the upload ran.');
      else throw error;
    }
  }

  private async downloadAndCheck(payload: UploadPayload, signal: AbortSignal): Promise<CaCertificate[]> {
    let body: Buffer;
    try {
      body = (await this.fetcher.fetch(payload.uploadUrl, { maxBytes: this.limits.maxUploadBytes, signal })).body;
    } catch (error) {
      if (error instanceof FetchError) throw new UploadFailure(`downloading ${displayUrl(payload.uploadUrl)} failed: ${error.message}`);
      throw error;
    }
    const hash = createHash('sha256').update(body).digest('hex').toUpperCase();
    if (hash !== payload.sha256FileHash) {
      throw new UploadFailure(`hash mismatch: the downloaded file (${body.length} bytes) has SHA-256 ${hash}, but sha256FileHash is ${payload.sha256FileHash}.`);
    }
    let ders: Buffer[];
    try {
      ders = certificatesOfBundle(body);
    } catch (error) {
      if (error instanceof BundleProblem) throw new UploadFailure(`the file is not a PKCS#7 (.p7b) bundle: ${error.message}.`);
      throw error;
    }
    if (ders.length === 0) throw new UploadFailure('the bundle holds no certificates.');
    if (ders.length > this.limits.maxCasPerPki) {
      throw new UploadFailure(`the bundle holds ${ders.length} certificates, more than a PKI may hold (${this.limits.maxCasPerPki}).`);
    }
    const seen = new Map<string, number>();
    // 250 certificates take about half a second to parse: requests get turns meanwhile.
    const share = eventLoopShare();
    const certificates: CaCertificate[] = [];
    for (const [index, der] of ders.entries()) {
      await share();
      const position = `certificate ${index + 1} of ${ders.length}`;
      let certificate: CaCertificate;
      try {
        certificate = parseCaCertificate(der, this.limits.maxCaCertificateBytes);
        checkStorableCertificate(certificate);
      } catch (error) {
        if (error instanceof CertificateProblem) throw new UploadFailure(`${position}: ${error.message}.`);
        throw error;
      }
      const earlier = seen.get(certificate.thumbprint);
      if (earlier !== undefined) {
        throw new UploadFailure(`${position} ('${certificate.subject}') is the same certificate as certificate ${earlier} (Duplicate Certificate exists).`);
      }
      seen.set(certificate.thumbprint, index + 1);
      certificates.push(certificate);
    }
    return certificates;
  }

  private async apply(job: JobRecord, context: JobContext, payload: UploadPayload, certificates: CaCertificate[]): Promise<void> {
    const { tenantId, subjectId: pkiId } = job;
    const now = graphTimestamp();
    // Outside the transaction (signature checks). parseCaCertificate accepted each with this parser.
    const crlUrls = crlUrlsOfBundle(certificates.map((certificate) => parseCertificate(certificate.der)));
    await this.store.transaction(async (repos) => {
      if (!(await repos.pkis.touch(tenantId, pkiId, now))) {
        // The PKI was deleted while the job ran: nothing to apply to. Its status says so, for a restore.
        const details = 'Upload failed: the PKI was deleted while the upload ran; nothing was added.';
        await repos.pkis.setStatus(tenantId, pkiId, PKI_STATUS_FAILED, details, now);
        if (!(await repos.jobs.finish(job.id, context.owner, 'failed', details, Date.now()))) throw new LeaseLost();
        return;
      }
      const existing = await repos.cas.idsByThumbprint(tenantId, pkiId, certificates.map((c) => c.thumbprint));
      certificates.forEach((certificate, index) => {
        const id = existing.get(certificate.thumbprint);
        if (id !== undefined) {
          throw new UploadFailure(
            `certificate ${index + 1} of ${certificates.length} ('${certificate.subject}') is already in the PKI as certificate authority '${id}' (Duplicate Certificate exists).`,
          );
        }
      });
      const count = await repos.cas.count(tenantId, pkiId);
      if (count + certificates.length > this.limits.maxCasPerPki) {
        throw new UploadFailure(
          `adding ${certificates.length} certificate authorities to the ${count} the PKI holds would exceed the limit of ${this.limits.maxCasPerPki}.`,
        );
      }
      await repos.cas.insert(tenantId, certificates.map((certificate, index) => newCaFromBundle(pkiId, certificate, crlUrls[index] ?? null, now)));
      const summary = `Upload succeeded: added ${certificates.length} certificate ${certificates.length === 1 ? 'authority' : 'authorities'} from ${displayUrl(payload.uploadUrl)}.`;
      await repos.pkis.setStatus(tenantId, pkiId, PKI_STATUS_IDLE, summary, now);
      // Last, and conditional on our lease: if another instance took the job over, roll everything back.
      if (!(await repos.jobs.finish(job.id, context.owner, 'succeeded', summary, Date.now()))) throw new LeaseLost();
    });
  }

  private async fail(job: JobRecord, context: JobContext, details: string): Promise<void> {
    await this.store.transaction(async (repos) => {
      await repos.pkis.setStatus(job.tenantId, job.subjectId, PKI_STATUS_FAILED, details, graphTimestamp());
      if (!(await repos.jobs.finish(job.id, context.owner, 'failed', details, Date.now()))) throw new LeaseLost();
    });
  }
}

/**
 * The URL as statusDetails may show it: without its query, which often carries an access signature
 * (SharePoint and blob-storage links) that readers of the PKI must not see.
 */
function displayUrl(value: string): string {
  const url = new URL(value);
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}

/** `crlUrl`: the URL of the CRL this CA issues as the bundle tells it (crlUrlsOfBundle), never its own CDP. */
function newCaFromBundle(pkiId: string, certificate: CaCertificate, crlUrl: string | null, now: string): CaRecord {
  return {
    id: newObjectId(),
    pkiId,
    ...derivedProperties(certificate),
    displayName: certificate.subjectCommonName,
    certificateRevocationListUrl: crlUrl,
    deltaCertificateRevocationListUrl: null,
    isIssuerHintEnabled: false,
    createdDateTime: now,
    deletedDateTime: null,
  };
}
