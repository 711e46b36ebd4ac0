// CRL health as Entra would see it: the named checks one configured CRL goes through (reachable,
// download time, size, DER encoding, signed by its CA, CRL number, validity, delta matched to its base),
// each with the AADSTS code Entra's CRL error table gives when it fails, the status they add up to, and
// what a sign-in with a certificate of the CA would get now. Pure: the caller downloads (or reads a file);
// the API, the background monitor and the offline `graph-pki crl inspect` share these functions. A failed
// check carries the message a sign-in gets for the same cause (aadsts-messages.ts), filled from its facts.
import { type AadstsError, aadstsError, crlInvalidError, type CrlMessageFacts } from './aadsts-messages.ts';

export type CheckResult = 'pass' | 'warning' | 'fail' | 'skipped';

export type CheckName =
  | 'configuration'
  | 'reachable'
  | 'downloadTime'
  | 'size'
  | 'encoding'
  | 'url'
  | 'signature'
  | 'extensions'
  | 'crlNumber'
  | 'validity'
  | 'deltaBase';

export interface HealthCheck {
  readonly name: CheckName;
  readonly result: CheckResult;
  /** What was found, in words. */
  readonly detail: string;
  /** For a failed check: the code of Entra's CRL error table a sign-in gets, e.g. 'AADSTS2205015'; else null. */
  readonly errorCode: string | null;
  /** For a failed check: the message a sign-in gets with that code (Entra's, its placeholders filled, or ours); else null. */
  readonly message: string | null;
}

export type HealthStatus = 'healthy' | 'warning' | 'failing' | 'notConfigured';

/** What a sign-in with a certificate issued by the CA would get now, as far as its CRLs decide. */
export interface SignInImpact {
  readonly result: 'success' | 'failure';
  /** 'AADSTS…' on failure, else null. */
  readonly errorCode: string | null;
  readonly message: string;
}

export interface CrlHealthThresholds {
  /** Entra's download time limit for an interactive sign-in (10 s), in ms. */
  readonly downloadTimeoutMs: number;
  /** Entra's size limit for a download during an interactive sign-in (20 MB), in bytes. */
  readonly maxCrlBytes: number;
  /** warning when less than this share (0–1) of the CRL's validity (thisUpdate → nextUpdate) is left. */
  readonly warningShare: number;
  /** warning when less than this much time is left before nextUpdate, in ms (whatever the share). */
  readonly warningMinimumMs: number;
}

export function check(name: CheckName, result: CheckResult, detail: string, error?: AadstsError): HealthCheck {
  const failed = result === 'fail' && error !== undefined;
  return { name, result, detail, errorCode: failed ? `AADSTS${error.errorCode}` : null, message: failed ? error.message : null };
}

/** failing when a check failed, warning when one warns, else healthy. */
export function statusOf(checks: readonly HealthCheck[]): Exclude<HealthStatus, 'notConfigured'> {
  if (checks.some((c) => c.result === 'fail')) return 'failing';
  if (checks.some((c) => c.result === 'warning')) return 'warning';
  return 'healthy';
}

/** Seconds from `now` to `nextUpdate` (negative once expired); null without a nextUpdate. */
export function secondsLeft(nextUpdate: Date | null | undefined, now: Date): number | null {
  return nextUpdate ? Math.floor((nextUpdate.getTime() - now.getTime()) / 1000) : null;
}

/** What the validity check's message names of the CRL: its URL (null for a file) and issuer. */
export interface CrlNaming {
  readonly crlUrl: string | null;
  readonly issuer: string | null;
}

/**
 * thisUpdate ≤ now ≤ nextUpdate, and a warning when less than the configured share of the validity, or
 * less than the minimum time, is left. A function of dates alone (and the CRL's names, for the message),
 * so a stored result is re-judged at every read as time passes.
 */
export function validityCheck(thisUpdate: Date, nextUpdate: Date | null | undefined, now: Date, thresholds: CrlHealthThresholds, naming: CrlNaming): HealthCheck {
  const facts: CrlMessageFacts = {
    ...naming,
    thisUpdate: thisUpdate.toISOString(),
    nextUpdate: nextUpdate?.toISOString() ?? null,
    authorityKeyIdentifier: null,
    expectedSubjectKeyIdentifier: null,
  };
  if (thisUpdate > now) {
    const detail = `not valid before its thisUpdate ${thisUpdate.toISOString()}`;
    return check('validity', 'fail', detail, crlInvalidError('not_yet_valid', facts, now, detail));
  }
  if (!nextUpdate) return check('validity', 'fail', 'has no nextUpdate, so it can never be current', aadstsError(500174));
  if (nextUpdate < now) {
    const detail = `expired at its nextUpdate ${nextUpdate.toISOString()} (${durationText(now.getTime() - nextUpdate.getTime())} ago); publishing may have stopped`;
    return check('validity', 'fail', detail, crlInvalidError('expired', facts, now, detail));
  }
  const left = nextUpdate.getTime() - now.getTime();
  const validity = nextUpdate.getTime() - thisUpdate.getTime();
  const share = validity > 0 ? left / validity : 0;
  const text = `${durationText(left)} left until nextUpdate ${nextUpdate.toISOString()} (${Math.floor(share * 100)} % of its validity)`;
  if (share < thresholds.warningShare || left < thresholds.warningMinimumMs) {
    return check('validity', 'warning', `${text}: expires soon, under ${Math.round(thresholds.warningShare * 100)} % or ${durationText(thresholds.warningMinimumMs)} left`);
  }
  return check('validity', 'pass', text);
}

/**
 * A sign-in's outcome from the checks of a CA's base CRL and, when configured, its delta CRL: the first
 * failed check (base before delta) decides, with its code; Entra fails closed on any of them.
 */
export function signInImpactOf(base: readonly HealthCheck[] | null, delta: readonly HealthCheck[] | null): SignInImpact {
  const failed = [...(base ?? []), ...(delta ?? [])].find((c) => c.result === 'fail' && c.errorCode !== null);
  // A check stored before checks carried their message has none: its detail says what failed.
  if (failed?.errorCode) return { result: 'failure', errorCode: failed.errorCode, message: failed.message ?? failed.detail };
  if (base === null) return { result: 'success', errorCode: null, message: 'The CA has no CRL URL: certificates it issued are not checked for revocation.' };
  return {
    result: 'success',
    errorCode: null,
    message: `The CRL check passes; a certificate listed on the CRL${delta ? 's' : ''} is refused with AADSTS500171 (revoked).`,
  };
}

/** 93784000 → '1 d 2 h', 5400000 → '1 h 30 min', 42000 → '42 s'. */
export function durationText(ms: number): string {
  const seconds = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  if (minutes > 0) return `${minutes} min`;
  if (seconds > 0) return `${seconds} s`;
  return `${Math.abs(ms)} ms`;
}
