// The tenant snapshot document (format version 1): everything a tenant holds, as the admin API exports
// it and imports it. Property names follow the Graph objects they carry; every stored property is there,
// deleted objects and finished upload jobs included, so an import rebuilds the tenant exactly.
import type { UserRecord } from '../../store/user-repository.ts';
import type { X509PolicyPatch } from '../authentication-methods/x509-policy-service.ts';
import type { MethodsPolicyPatch } from '../authentication-methods/methods-policy-service.ts';
import type { OidcClientRecord } from '../../store/oidc-client-repository.ts';
import type { SignInRecord } from '../signin/sign-in-log.ts';

export const SNAPSHOT_FORMAT = 'graph-pki.tenantSnapshot';
export const SNAPSHOT_FORMAT_VERSION = 1;

export interface TenantSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly formatVersion: typeof SNAPSHOT_FORMAT_VERSION;
  /** The tenant it was exported from (an import may go to another tenant). */
  readonly tenantId: string;
  readonly exportedDateTime: string;
  /** Live and soft-deleted PKIs, each with all of its CAs (live and deleted). */
  readonly certificateBasedAuthConfigurations: readonly SnapshotPki[];
  /** Upload jobs that have finished (succeeded or failed). */
  readonly uploadJobs: readonly SnapshotUploadJob[];
  /** The tenant's x509 authentication-method policy; null when the tenant never changed it. */
  readonly x509CertificatePolicy: SnapshotX509Policy | null;
  /** Live and soft-deleted users; absent in snapshots of servers before users (imports as none). */
  readonly users?: readonly SnapshotUser[] | undefined;
  /**
   * The authenticationMethodsPolicy root's own properties; null when the tenant never changed them.
   * Absent from snapshots written before the root was served (read as null).
   */
  readonly authenticationMethodsPolicy?: SnapshotMethodsPolicy | null | undefined;
  /**
   * The classic store (organization certificateBasedAuthConfiguration); null when the tenant has none.
   * Optional on import, so snapshots exported before the classic store existed still import.
   */
  readonly classicCertificateBasedAuthConfiguration?: SnapshotClassicConfiguration | null;
  /**
   * The certificate sign-in's registered clients, users' directory roles and sign-in log. Each is
   * optional on import (snapshots written before the sign-in existed import as none).
   */
  readonly oidcClients?: readonly SnapshotOidcClient[] | undefined;
  readonly directoryRoleAssignments?: readonly SnapshotRoleAssignment[] | undefined;
  readonly signIns?: readonly SnapshotSignIn[] | undefined;
}

/**
 * A registered client as stored: its secret only as the stored SHA-256 (hex), null for a public client.
 * The secret itself is never stored, so no snapshot can hold it.
 */
export type SnapshotOidcClient = OidcClientRecord;

/** One user's directory roles (role template ids, sorted); the user is one of the snapshot's users. */
export interface SnapshotRoleAssignment {
  readonly userId: string;
  readonly roleTemplateIds: readonly string[];
}

/** A sign-in log entry: Graph's beta signIn resource exactly as recorded (ids and times kept). */
export type SnapshotSignIn = SignInRecord;

export interface SnapshotClassicConfiguration {
  readonly createdDateTime: string;
  /** In their order; what the certificates determine (issuer, issuerSki) is derived again on import. */
  readonly certificateAuthorities: readonly SnapshotClassicCa[];
}

export interface SnapshotClassicCa {
  /** base64 of the DER certificate */
  readonly certificate: string;
  readonly isRootAuthority: boolean;
  readonly certificateRevocationListUrl: string | null;
  readonly deltaCertificateRevocationListUrl: string | null;
}

/** A user with every stored property (the directory-sync ones included), exactly as the store holds it. */
export type SnapshotUser = UserRecord;

export interface SnapshotPki {
  readonly id: string;
  readonly displayName: string | null;
  readonly status: string;
  readonly statusDetails: string | null;
  readonly createdDateTime: string;
  readonly lastModifiedDateTime: string;
  readonly deletedDateTime: string | null;
  readonly certificateAuthorities: readonly SnapshotCa[];
}

export interface SnapshotCa {
  readonly id: string;
  /** base64 of the DER certificate */
  readonly certificate: string;
  readonly certificateAuthorityType: string;
  readonly displayName: string | null;
  readonly issuer: string;
  readonly issuerSubjectKeyIdentifier: string | null;
  readonly thumbprint: string;
  readonly createdDateTime: string;
  readonly expirationDateTime: string;
  readonly certificateRevocationListUrl: string | null;
  readonly deltaCertificateRevocationListUrl: string | null;
  readonly isIssuerHintEnabled: boolean;
  readonly deletedDateTime: string | null;
}

export type SnapshotJobStatus = 'succeeded' | 'failed';

export interface SnapshotUploadJob {
  readonly id: string;
  /** The PKI the upload was for. */
  readonly pkiId: string;
  readonly uploadUrl: string;
  readonly sha256FileHash: string;
  readonly status: SnapshotJobStatus;
  /** The outcome, as the PKI's statusDetails showed it. */
  readonly statusDetails: string | null;
  readonly attempts: number;
  /** Job times keep their milliseconds (2024-10-16T18:09:56.123Z). */
  readonly createdDateTime: string;
  readonly finishedDateTime: string | null;
}

export interface SnapshotX509Policy {
  readonly configuration: X509PolicyPatch;
  readonly lastModifiedDateTime: string;
}

export interface SnapshotMethodsPolicy {
  readonly configuration: MethodsPolicyPatch;
  readonly lastModifiedDateTime: string;
}
