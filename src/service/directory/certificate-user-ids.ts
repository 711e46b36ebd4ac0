// The rules of a user's authorizationInfo.certificateUserIds (../shared/spec/cba-setup-and-signin.md §1.2,
// §1.3): how many values, how long, which `X509:` forms are well formed, no value twice. The match key
// under which a value is unique in the tenant and found at sign-in is pki/certificate-user-id-key.ts's.
import type { Limits } from '../../config.ts';
import { certificateUserIdMatchKey, parseCertificateUserId } from '../../pki/certificate-user-id-key.ts';
import { graphErrors } from '../errors.ts';

export type CertificateUserIdLimits = Pick<Limits, 'maxCertificateUserIds' | 'maxCertificateUserIdLength'>;

/** The directory's own wording for a bad property value, followed by what is wrong with it. */
function invalid(reason: string) {
  return graphErrors.badRequest(`Invalid value specified for property 'certificateUserIds' of resource 'User'. ${reason}`);
}

/** Checks a new certificateUserIds list (400 on the first problem) and returns it as it will be stored. */
export function checkCertificateUserIds(values: readonly unknown[], limits: CertificateUserIdLimits): string[] {
  if (values.length > limits.maxCertificateUserIds) {
    throw invalid(`A user may hold at most ${limits.maxCertificateUserIds} values; ${values.length} were given.`);
  }
  const keys = new Map<string, string>();
  const checked: string[] = [];
  for (const value of values) {
    if (typeof value !== 'string') throw invalid(`Each value must be a string; got ${value === null ? 'null' : typeof value}.`);
    if (value.trim() === '') throw invalid('A value must not be empty.');
    const length = [...value].length;
    if (length > limits.maxCertificateUserIdLength) {
      throw invalid(`A value may be at most ${limits.maxCertificateUserIdLength} characters long; '${value.slice(0, 40)}…' has ${length}.`);
    }
    const parsed = parseCertificateUserId(value);
    if (parsed !== undefined && 'problem' in parsed) throw invalid(`'${value}': ${parsed.problem}.`);
    const key = certificateUserIdMatchKey(value);
    const earlier = keys.get(key);
    if (earlier !== undefined) throw invalid(`'${value}' is given twice${earlier === value ? '' : ` (as '${earlier}')`}.`);
    keys.set(key, value);
    checked.push(value);
  }
  return checked;
}

/** The error for a value another user of the tenant holds ([ours] wording, spec §1.3). */
export function certificateUserIdTaken() {
  return graphErrors.badRequest('Another object with the same value for property certificateUserIds already exists.');
}
