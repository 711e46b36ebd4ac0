// Issuer hints (spec cba-setup-and-signin.md §5.7): when the tenant's x509 policy turns them on, the
// sign-in listener's TLS CertificateRequest lists trust-store CAs as the acceptable issuers: those
// marked isIssuerHintEnabled, or every CA when none is marked; at most the configured number of bytes
// of names (Entra: 16 KB). Hints off: an empty list.
import { X509Certificate } from 'node:crypto';
import type { Store } from '../../store/store.ts';
import type { X509PolicyService } from '../authentication-methods/x509-policy-service.ts';

export interface IssuerHints {
  /** PEM of the CAs whose subjects the CertificateRequest lists (deduplicated); empty when hints are off. */
  readonly certificatesPem: readonly string[];
  /** CAs left out because their names would pass the byte limit. */
  readonly omitted: number;
}

export class IssuerHintService {
  constructor(
    private readonly store: Store,
    private readonly policies: X509PolicyService,
    private readonly maxBytes: number,
  ) {}

  async hintsFor(tenantId: string): Promise<IssuerHints> {
    const policy = await this.policies.getPolicy(tenantId);
    if (policy.issuerHintsConfiguration.state !== 'enabled') return { certificatesPem: [], omitted: 0 };
    const cas = await this.store.repositories.cas.liveInTrustStore(tenantId);
    const marked = cas.filter((ca) => ca.isIssuerHintEnabled);
    const chosen = marked.length > 0 ? marked : cas;
    const seen = new Set<string>();
    const certificatesPem: string[] = [];
    let bytes = 0;
    let omitted = 0;
    for (const ca of chosen) {
      if (seen.has(ca.thumbprint)) continue;
      seen.add(ca.thumbprint);
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(Buffer.from(ca.certificate, 'base64'));
      } catch {
        continue;
      }
      // The DER subject name goes on the wire; its text form is a fair stand-in for its size.
      const size = Buffer.byteLength(certificate.subject) + 4;
      if (bytes + size > this.maxBytes) {
        omitted++;
        continue;
      }
      bytes += size;
      certificatesPem.push(certificate.toString());
    }
    return { certificatesPem, omitted };
  }
}
