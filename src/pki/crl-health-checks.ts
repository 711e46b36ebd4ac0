// The checks of one CRL, from what its download (or file) gave: reachable, download time, size, DER
// encoding, signed by the CA it is configured on, understood extensions, CRL number present and not going
// backwards, validity, and for a delta CRL its match with the base. A PEM CRL fails the encoding check
// (Entra needs DER) but is still decoded, so the other checks can say what else is wrong with it.
import { aadstsError, crlDownloadError, crlInvalidError, type CrlMessageFacts } from './aadsts-messages.ts';
import { type Certificate, nameTextOf } from './certificate.ts';
import { checkSignedBy } from './crl-check.ts';
import { type CrlIndex, CrlProblem, crlDerFromPem, indexCrl } from './crl.ts';
import { namesIssuersCrl } from './crl-url-assignment.ts';
import { isOneSequence } from './der.ts';
import { sameName } from './distribution-points.ts';
import { looksLikePem } from './encoding.ts';
import type { CrlDownloadProblem } from './crl-failure.ts';
import { check, type CrlHealthThresholds, durationText, type HealthCheck, statusOf, validityCheck } from './crl-health.ts';
import { ValidationFailure } from './path-validation.ts';
import type { SignaturePolicy } from './signature.ts';

/**
 * What fetching the CRL gave: a body (durationMs null when read from a file), or why there is none, as
 * the verification's CRL download tells the causes apart (the same sign-in message for each).
 */
export type CrlDownload =
  | { readonly kind: 'body'; readonly body: Buffer; readonly durationMs: number | null }
  | { readonly kind: 'failed'; readonly problem: CrlDownloadProblem; readonly message: string; readonly durationMs: number };

export interface CrlAssessmentInput {
  readonly kind: 'base' | 'delta';
  /** The configured URL; null for a file. */
  readonly url: string | null;
  readonly download: CrlDownload;
  /** The CA the URL is configured on (or --issuer); undefined: the signature is not checked. */
  readonly ca: Certificate | undefined;
  /** The highest CRL number seen before at this URL (replay check). */
  readonly highestCrlNumberSeen?: bigint | undefined;
  /** For a delta CRL: the base CRL it goes with, when that could be read. */
  readonly base?: CrlIndex | undefined;
  readonly now: Date;
  readonly thresholds: CrlHealthThresholds;
  readonly signaturePolicy?: SignaturePolicy;
}

export interface CrlAssessment {
  readonly checks: readonly HealthCheck[];
  readonly status: 'healthy' | 'warning' | 'failing';
  /** The CRL as read (from DER, or decoded from PEM), when it could be. */
  readonly crl: CrlIndex | undefined;
  readonly sizeBytes: number | null;
  readonly downloadMs: number | null;
}

export function assessCrl(input: CrlAssessmentInput): CrlAssessment {
  const checks: HealthCheck[] = [];
  const { download, thresholds } = input;
  const downloadMs = download.durationMs;
  checks.push(...downloadChecks(download, input.url, thresholds));
  if (download.kind === 'failed') return { checks, status: statusOf(checks), crl: undefined, sizeBytes: null, downloadMs };

  const read = readCrl(download.body);
  checks.push(read.check);
  const crl = read.crl;
  if (crl) checks.push(...crlChecks(crl, input));
  return { checks, status: statusOf(checks), crl, sizeBytes: download.body.length, downloadMs };
}

function downloadChecks(download: CrlDownload, url: string | null, thresholds: CrlHealthThresholds): HealthCheck[] {
  const limit = durationText(thresholds.downloadTimeoutMs);
  const sizeLimit = `${thresholds.maxCrlBytes} bytes`;
  if (download.kind === 'failed') {
    const took = `after ${durationText(download.durationMs)}`;
    const error = crlDownloadError(download.problem);
    switch (download.problem.kind) {
      case 'timeout':
      case 'busy':
        return [
          check('reachable', 'skipped', 'not known: the download did not finish'),
          check('downloadTime', 'fail', `did not finish within ${limit} (Entra's limit for a sign-in): ${download.message}`, error),
        ];
      case 'too_large':
        return [check('reachable', 'pass', 'the server answered'), check('size', 'fail', `larger than the limit of ${sizeLimit}: ${download.message}`, error)];
      case 'status':
      case 'unreachable':
        return [check('reachable', 'fail', `${download.message} ${took}`, error)];
    }
  }
  const size = download.body.length;
  const checks: HealthCheck[] = [];
  if (download.durationMs !== null) {
    checks.push(check('reachable', 'pass', 'downloaded'));
    const took = `took ${durationText(download.durationMs)} of Entra's ${limit}`;
    // Over half the budget: a busier day or a bigger CRL tips it over.
    checks.push(check('downloadTime', download.durationMs > thresholds.downloadTimeoutMs / 2 ? 'warning' : 'pass', download.durationMs > thresholds.downloadTimeoutMs / 2 ? `${took}: over half of it` : took));
  }
  const tooLarge = crlDownloadError({ kind: 'too_large', url: url ?? 'unknown', maxBytes: thresholds.maxCrlBytes });
  checks.push(size > thresholds.maxCrlBytes ? check('size', 'fail', `${size} bytes, more than the limit of ${sizeLimit}`, tooLarge) : check('size', 'pass', `${size} bytes of at most ${sizeLimit}`));
  return checks;
}

/** The encoding check and the CRL it could read: DER passes; PEM fails (2205011) but is decoded; else none. */
function readCrl(body: Buffer): { check: HealthCheck; crl: CrlIndex | undefined } {
  if (looksLikePem(body)) {
    let crl: CrlIndex | undefined;
    let why = '';
    try {
      const [der] = crlDerFromPem(body.toString('latin1'));
      crl = der ? indexCrl(der) : undefined;
      if (!der) why = '; it holds no X509 CRL block';
    } catch (error) {
      if (!(error instanceof CrlProblem)) throw error;
      why = `; its content is not a valid CRL either: ${error.message}`;
    }
    return { check: check('encoding', 'fail', `the CRL is PEM text (-----BEGIN …); Entra reads DER only${why}`, aadstsError(2205011)), crl };
  }
  if (!isOneSequence(body)) return { check: check('encoding', 'fail', `not ASN.1 DER (starts with ${JSON.stringify(body.subarray(0, 16).toString('latin1'))})`, aadstsError(2205011)), crl: undefined };
  try {
    return { check: check('encoding', 'pass', 'DER'), crl: indexCrl(body) };
  } catch (error) {
    if (!(error instanceof CrlProblem)) throw error;
    return { check: check('encoding', 'fail', `DER, but not a CRL that can be used: ${error.message}`, aadstsError(500174)), crl: undefined };
  }
}

function crlChecks(crl: CrlIndex, input: CrlAssessmentInput): HealthCheck[] {
  const checks: HealthCheck[] = [];
  const { ca } = input;
  const facts = messageFacts(crl, ca, input.url);
  const signature = signatureCheck(crl, ca, facts, input);
  if (ca && input.kind === 'base' && namesIssuersCrl(ca, input.url)) {
    // A sign-in downloads the issuer's CRL from it and finds it signed by another CA.
    const detail = `the URL is the CA's own CRL distribution point, which names the CRL of its issuer '${ca.issuerText}', not the CRL this CA issues`;
    checks.push(check('url', 'fail', detail, crlInvalidError('signer', facts, input.now, detail)));
  }
  checks.push(signature);
  checks.push(
    crl.unknownCriticalExtensions.length > 0
      ? check('extensions', 'fail', `critical extensions that are not understood: ${crl.unknownCriticalExtensions.join(', ')}`, aadstsError(500174))
      : check('extensions', 'pass', 'no critical extension that is not understood'),
  );
  checks.push(crlNumberCheck(crl, input.highestCrlNumberSeen));
  checks.push(validityCheck(crl.thisUpdate, crl.nextUpdate, input.now, input.thresholds, facts));
  if (input.kind === 'delta') checks.push(deltaBaseCheck(crl, input.base));
  // A file (no URL) may be either; a base CRL URL must serve a base CRL.
  else if (crl.deltaBaseCrlNumber !== undefined && input.url !== null) checks.push(check('deltaBase', 'fail', 'the base CRL URL serves a delta CRL (it has a deltaCRLIndicator)', aadstsError(500174)));
  return checks;
}

/** What the messages name of the CRL: its URL, issuer and dates, its AKI and the SKI of the CA it is configured on. */
function messageFacts(crl: CrlIndex, ca: Certificate | undefined, url: string | null): CrlMessageFacts {
  return {
    crlUrl: url,
    issuer: nameTextOf(crl.issuer),
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate?.toISOString() ?? null,
    authorityKeyIdentifier: crl.authorityKeyIdentifier ?? null,
    expectedSubjectKeyIdentifier: ca?.subjectKeyIdentifier ?? null,
  };
}

function signatureCheck(crl: CrlIndex, ca: Certificate | undefined, facts: CrlMessageFacts, input: CrlAssessmentInput): HealthCheck {
  if (!ca) return check('signature', 'skipped', 'no issuing CA given: the signature is not checked');
  try {
    checkSignedBy(crl, ca, input.signaturePolicy ?? { allowSha1: false }, 0, 'base', 'the CRL');
    const keyId = ca.subjectKeyIdentifier && crl.authorityKeyIdentifier ? ` (authority key identifier ${crl.authorityKeyIdentifier} = the CA's subject key identifier)` : '';
    return check('signature', 'pass', `signed by '${ca.subjectText}'${keyId}`);
  } catch (error) {
    if (!(error instanceof ValidationFailure)) throw error;
    const why = error.crl?.why;
    const detail =
      why === 'signer'
        ? `the CRL is issued by '${nameTextOf(crl.issuer)}', not by this CA '${ca.subjectText}'`
        : why === 'authority_key_identifier'
          ? `the CRL's authority key identifier ${crl.authorityKeyIdentifier} is not the subject key identifier ${ca.subjectKeyIdentifier} of '${ca.subjectText}': another CA's CRL`
          : error.message;
    return check('signature', 'fail', detail, crlInvalidError(why ?? 'signature', facts, input.now, error.message));
  }
}

function crlNumberCheck(crl: CrlIndex, highest: bigint | undefined): HealthCheck {
  if (crl.crlNumber === undefined) return check('crlNumber', 'fail', 'the CRL has no CRL number, so a replayed older CRL could not be told apart', aadstsError(500174));
  if (crl.crlNumberCritical) return check('crlNumber', 'fail', 'the CRL number is marked critical, which RFC 5280 forbids', aadstsError(500174));
  if (highest !== undefined && crl.crlNumber < highest) {
    return check('crlNumber', 'fail', `CRL number ${crl.crlNumber} is lower than ${highest} seen before at this URL (a replayed or rolled-back CRL)`, aadstsError(500174));
  }
  return check('crlNumber', 'pass', `CRL number ${crl.crlNumber}${highest !== undefined && highest < crl.crlNumber ? ` (up from ${highest})` : ''}`);
}

/**
 * A delta CRL must name the base it extends (deltaCRLIndicator), come from the same issuer and key, and
 * be newer than the base: a delta not newer than its base is ignored (RFC 5280 §5.2.4), which means
 * delta publishing has stopped; one that needs a newer base than the one served fails the check.
 */
function deltaBaseCheck(delta: CrlIndex, base: CrlIndex | undefined): HealthCheck {
  if (delta.deltaBaseCrlNumber === undefined) return check('deltaBase', 'fail', 'the delta CRL URL serves a CRL without a deltaCRLIndicator (not a delta CRL)', aadstsError(500174));
  if (!base) return check('deltaBase', 'skipped', 'the base CRL could not be read, so the delta cannot be matched to it');
  if (!sameName(delta.issuer, base.issuer) || (delta.authorityKeyIdentifier ?? null) !== (base.authorityKeyIdentifier ?? null)) {
    return check('deltaBase', 'fail', 'the delta CRL has another issuer or key than its base CRL', aadstsError(500174));
  }
  const baseNumber = base.crlNumber;
  if (baseNumber === undefined || delta.crlNumber === undefined) return check('deltaBase', 'skipped', 'a CRL number is missing, so the delta cannot be matched to its base');
  if (delta.deltaBaseCrlNumber > baseNumber) {
    return check('deltaBase', 'fail', `the delta CRL needs base CRL ${delta.deltaBaseCrlNumber}, newer than the base CRL served (${baseNumber})`, aadstsError(500174));
  }
  if (delta.crlNumber <= baseNumber) {
    return check(
      'deltaBase',
      'warning',
      `the delta CRL (number ${delta.crlNumber}, thisUpdate ${delta.thisUpdate.toISOString()}) is older than its base CRL (number ${baseNumber}, thisUpdate ${base.thisUpdate.toISOString()}): it is ignored, and delta publishing seems to have stopped`,
    );
  }
  return check('deltaBase', 'pass', `delta CRL ${delta.crlNumber} extends base CRL ${delta.deltaBaseCrlNumber} (base served: ${baseNumber})`);
}

/** What a health entry tells about the CRL itself. */
export interface CrlFacts {
  readonly issuer: string;
  readonly crlNumber: string | null;
  /** The base CRL number a delta CRL extends; null for a base CRL. */
  readonly deltaBaseCrlNumber: string | null;
  readonly thisUpdate: string;
  readonly nextUpdate: string | null;
  readonly entryCount: number;
}

export function factsOf(crl: CrlIndex): CrlFacts {
  return {
    issuer: nameTextOf(crl.issuer),
    crlNumber: crl.crlNumber?.toString() ?? null,
    deltaBaseCrlNumber: crl.deltaBaseCrlNumber?.toString() ?? null,
    thisUpdate: crl.thisUpdate.toISOString(),
    nextUpdate: crl.nextUpdate?.toISOString() ?? null,
    entryCount: crl.entryCount,
  };
}
