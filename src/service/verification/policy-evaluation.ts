// What the tenant's x509 authentication-method policy makes of a certificate with a valid path: single-
// or multi-factor (authentication binding rules, with Entra's precedence: issuer+policy OID rules over
// policy OID rules over issuer rules; conflicting strengths make it single-factor), the affinity a user
// binding must have, the certificateUserIds candidates in binding priority order, and the CA scope that
// applies. Users and groups live in Entra, not here: the verdict says what to match, not who matched.
import { type CertificateField, certificateUserIdsOf } from '../../pki/certificate-user-ids.ts';
import { type Certificate, nameTextReversed } from '../../pki/certificate.ts';
import type { X509AffinityLevel, X509AuthenticationMode, X509CertificateAuthorityScope, X509CertificateRule, X509Policy } from '../authentication-methods/x509-policy-service.ts';

export interface UserBindingCandidate {
  readonly priority: number;
  readonly x509CertificateField: CertificateField;
  readonly userProperty: string;
  readonly affinity: X509AffinityLevel;
  readonly values: readonly string[];
  /** False when the certificate lacks the field, or its affinity is below the one required. */
  readonly usable: boolean;
}

export interface PolicyVerdict {
  readonly state: 'enabled' | 'disabled';
  readonly authenticationMode: X509AuthenticationMode;
  readonly requiredAffinityLevel: X509AffinityLevel;
  /** The rules that decided the mode, or empty when the tenant defaults applied. */
  readonly matchedRules: readonly { readonly type: string; readonly identifier: string }[];
  readonly explanation: string;
  readonly userBindingCandidates: readonly UserBindingCandidate[];
  readonly certificateAuthorityScope: X509CertificateAuthorityScope | null;
}

export function evaluatePolicy(policy: X509Policy, path: readonly Certificate[]): PolicyVerdict {
  const leaf = path[0] as Certificate;
  const issuer = path[1];
  const config = policy.authenticationModeConfiguration;
  const leafPolicies = new Set(leaf.policies ?? []);
  const issuerMatches = (subject: string | null) => subject !== null && issuer !== undefined && sameName(subject, issuer);
  const tiers: Array<[string, (rule: X509CertificateRule) => boolean]> = [
    ['issuerSubjectAndPolicyOID', (r) => issuerMatches(r.issuerSubjectIdentifier) && r.policyOidIdentifier !== null && leafPolicies.has(r.policyOidIdentifier)],
    ['policyOID', (r) => leafPolicies.has(r.identifier)],
    ['issuerSubject', (r) => issuerMatches(r.identifier)],
  ];
  let mode = config.x509CertificateAuthenticationDefaultMode;
  let affinity = config.x509CertificateDefaultRequiredAffinityLevel;
  let matched: X509CertificateRule[] = [];
  let explanation = 'no authentication binding rule matches: the tenant defaults apply';
  for (const [type, matches] of tiers) {
    matched = config.rules.filter((rule) => rule.x509CertificateRuleType === type && matches(rule));
    if (matched.length === 0) continue;
    const modes = new Set(matched.map((r) => r.x509CertificateAuthenticationMode));
    mode = modes.size === 1 ? (matched[0] as X509CertificateRule).x509CertificateAuthenticationMode : 'x509CertificateSingleFactor';
    // High when the tenant default or a deciding rule requires it (§5.2 step 2: either drops low bindings).
    affinity = config.x509CertificateDefaultRequiredAffinityLevel === 'high' || matched.some((r) => r.x509CertificateRequiredAffinityLevel === 'high') ? 'high' : 'low';
    explanation =
      modes.size === 1
        ? `${matched.length} ${type} rule(s) match`
        : `${type} rules with conflicting strengths match: the certificate counts as single-factor`;
    break;
  }
  const userBindingCandidates = [...policy.certificateUserBindings]
    .sort((a, b) => a.priority - b.priority)
    .map((binding) => {
      const values = certificateUserIdsOf(leaf, binding.x509CertificateField as CertificateField);
      return {
        priority: binding.priority,
        x509CertificateField: binding.x509CertificateField as CertificateField,
        userProperty: binding.userProperty,
        affinity: binding.trustAffinityLevel,
        values,
        usable: values.length > 0 && (affinity === 'low' || binding.trustAffinityLevel === 'high'),
      };
    });
  return {
    state: policy.state,
    authenticationMode: mode,
    requiredAffinityLevel: affinity,
    matchedRules: matched.map((r) => ({ type: r.x509CertificateRuleType, identifier: r.identifier })),
    explanation,
    userBindingCandidates,
    certificateAuthorityScope: scopeOf(policy, path),
  };
}

/** The CA scope of the nearest CA in the path (issuing CA first) that has one. */
function scopeOf(policy: X509Policy, path: readonly Certificate[]): X509CertificateAuthorityScope | null {
  for (const ca of path.slice(1)) {
    const ski = ca.subjectKeyIdentifier;
    const scope = ski && policy.certificateAuthorityScopes.find((s) => s.subjectKeyIdentifier.replace(/[\s:]/g, '').toUpperCase() === ski);
    if (scope) return scope;
  }
  return null;
}

/** An issuer written in either RDN order, compared ignoring case and spaces around separators. */
function sameName(written: string, certificate: Certificate): boolean {
  const key = (text: string) => text.replace(/\s*([,=+])\s*/g, '$1').trim().toUpperCase();
  return [nameTextReversed(certificate.subject), certificate.subjectText].some((text) => key(text) === key(written));
}
