// The sign-in log: one record per certificate sign-in attempt, in the shape of Graph's beta `signIn`
// (spec cba-setup-and-signin.md §8, the [ours] record), with the certificate, the binding that matched
// and the CRL used in `authenticationProcessingDetails` — the values Entra's own log leaves blank.
// v1.0 reads the same records without the beta-only properties.
import { randomUUID } from 'node:crypto';
import type { SignInCursor } from '../../store/sign-in-log-repository.ts';
import type { Store } from '../../store/store.ts';
import { graphErrors } from '../errors.ts';

/** Graph's `signInStatus`. */
export interface SignInStatus {
  readonly errorCode: number;
  readonly failureReason: string | null;
  readonly additionalDetails: string | null;
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

/** What the sign-in knew when it ended; the record is built from it. */
export interface SignInAttempt {
  readonly correlationId: string;
  readonly appId: string;
  readonly appDisplayName: string | null;
  readonly ipAddress: string;
  readonly userId: string | null;
  readonly userPrincipalName: string | null;
  readonly userDisplayName: string | null;
  readonly status: SignInStatus;
  readonly authenticationRequirement: 'singleFactorAuthentication' | 'multiFactorAuthentication';
  /** One line about the certificate step (authenticationStepResultDetail). */
  readonly resultDetail: string;
  readonly processingDetails: readonly KeyValue[];
}

/** Properties of the beta signIn that v1.0's does not have (CSDL). */
const BETA_ONLY = ['authenticationDetails', 'authenticationProcessingDetails', 'authenticationRequirement', 'authenticationMethodsUsed', 'mfaDetail'];

export type SignInRecord = Readonly<Record<string, unknown>> & { readonly id: string; readonly createdDateTime: string };

export interface SignInPage {
  readonly value: readonly SignInRecord[];
  /** Where the next page starts, when there is one. */
  readonly next: SignInCursor | undefined;
}

export class SignInLogService {
  constructor(private readonly store: Store) {}

  async record(tenantId: string, attempt: SignInAttempt, at = new Date()): Promise<SignInRecord> {
    const createdDateTime = at.toISOString();
    const succeeded = attempt.status.errorCode === 0;
    const record: SignInRecord = {
      id: randomUUID(),
      createdDateTime,
      userDisplayName: attempt.userDisplayName,
      userPrincipalName: attempt.userPrincipalName,
      // Graph says userId is never null; an attempt that found no user has the empty GUID.
      userId: attempt.userId ?? '00000000-0000-0000-0000-000000000000',
      appId: attempt.appId,
      appDisplayName: attempt.appDisplayName,
      ipAddress: attempt.ipAddress,
      clientAppUsed: 'Browser',
      correlationId: attempt.correlationId,
      conditionalAccessStatus: 'notApplied',
      isInteractive: true,
      resourceDisplayName: 'Microsoft Graph',
      resourceId: '00000003-0000-0000-c000-000000000000',
      status: attempt.status,
      authenticationRequirement: attempt.authenticationRequirement,
      authenticationMethodsUsed: ['X.509 Certificate'],
      authenticationDetails: [
        {
          authenticationStepDateTime: createdDateTime,
          authenticationMethod: 'X.509 Certificate',
          authenticationMethodDetail: null,
          succeeded,
          authenticationStepResultDetail: attempt.resultDetail,
          authenticationStepRequirement: 'Primary authentication',
        },
      ],
      authenticationProcessingDetails: attempt.processingDetails,
    };
    await this.store.repositories.signInLogs.insert(tenantId, { id: record.id, createdDateTime, record: JSON.stringify(record) });
    return record;
  }

  async get(tenantId: string, id: string, version: 'beta' | 'v1.0'): Promise<SignInRecord> {
    const stored = await this.store.repositories.signInLogs.find(tenantId, id);
    if (!stored) throw graphErrors.notFound(id);
    return forVersion(JSON.parse(stored.record) as SignInRecord, version);
  }

  /** Newest first, `top` at most, after `cursor`. */
  async page(tenantId: string, top: number, cursor: SignInCursor | undefined, version: 'beta' | 'v1.0'): Promise<SignInPage> {
    const rows = await this.store.repositories.signInLogs.page(tenantId, top + 1, cursor);
    const value = rows.slice(0, top).map((row) => forVersion(JSON.parse(row.record) as SignInRecord, version));
    const last = rows.length > top ? rows[top - 1] : undefined;
    return { value, next: last && { createdDateTime: last.createdDateTime, id: last.id } };
  }
}

function forVersion(record: SignInRecord, version: 'beta' | 'v1.0'): SignInRecord {
  if (version === 'beta') return record;
  const copy: Record<string, unknown> = { ...record };
  for (const name of BETA_ONLY) delete copy[name];
  return copy as SignInRecord;
}
