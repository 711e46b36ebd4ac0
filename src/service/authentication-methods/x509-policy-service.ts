// The tenant's X.509 certificate authentication-method policy (Graph's
// x509CertificateAuthenticationMethodConfiguration, spec §8.2): read with defaults, partially updated
// with every rule checked, and handed typed to the certificate verification engine.
import { FIELD_AFFINITY as CERTIFICATE_FIELD_AFFINITY } from '../../pki/certificate-user-ids.ts';
import type { Store } from '../../store/store.ts';
import type { StoredX509Policy } from '../../store/policy-document-repository.ts';
import { graphTimestamp } from '../clock.ts';
import { graphErrors } from '../errors.ts';

/** Graph type named in validation messages. */
export const X509_POLICY_RESOURCE = 'microsoft.graph.x509CertificateAuthenticationMethodConfiguration';

export const POLICY_STATES = ['enabled', 'disabled'] as const;
export type PolicyState = (typeof POLICY_STATES)[number];

export const TARGET_TYPES = ['user', 'group'] as const;
export type TargetType = (typeof TARGET_TYPES)[number];

export const X509_CERTIFICATE_FIELDS = [
  'PrincipalName',
  'RFC822Name',
  'IssuerAndSubject',
  'Subject',
  'SubjectKeyIdentifier',
  'SHA1PublicKey',
  'IssuerAndSerialNumber',
] as const;
export type X509CertificateField = (typeof X509_CERTIFICATE_FIELDS)[number];

export const X509_USER_PROPERTIES = ['userPrincipalName', 'onPremisesUserPrincipalName', 'certificateUserIds', 'email'] as const;
export type X509UserProperty = (typeof X509_USER_PROPERTIES)[number];

export const X509_AFFINITY_LEVELS = ['low', 'high'] as const;
export type X509AffinityLevel = (typeof X509_AFFINITY_LEVELS)[number];

export const X509_AUTHENTICATION_MODES = ['x509CertificateSingleFactor', 'x509CertificateMultiFactor'] as const;
export type X509AuthenticationMode = (typeof X509_AUTHENTICATION_MODES)[number];

export const X509_RULE_TYPES = ['issuerSubject', 'policyOID', 'issuerSubjectAndPolicyOID'] as const;
export type X509RuleType = (typeof X509_RULE_TYPES)[number];

/** A user or group (excludeTargets, and the includeTargets of a CA scope). */
export interface X509PolicyTarget {
  readonly id: string;
  readonly targetType: TargetType;
}

/** Graph's `all_users`: the includeTargets id that stands for every user of the tenant. */
export const ALL_USERS = 'all_users';

/** Who may use the method (Graph's authenticationMethodTarget): a group, `all_users`, or (legacy) a user. */
export interface AuthenticationMethodTarget extends X509PolicyTarget {
  readonly isRegistrationRequired: boolean;
}

/** Which certificate field is matched against which user property; lower priority numbers are tried first. */
export interface X509CertificateUserBinding {
  readonly x509CertificateField: X509CertificateField;
  readonly userProperty: X509UserProperty;
  readonly priority: number;
  readonly trustAffinityLevel: X509AffinityLevel;
}

/**
 * A strong-authentication rule. `identifier` is the issuer subject (issuerSubject), the policy OID
 * (policyOID), or a name of the rule (issuerSubjectAndPolicyOID, whose two parts are
 * issuerSubjectIdentifier and policyOidIdentifier; both are null for the other types).
 */
export interface X509CertificateRule {
  readonly x509CertificateRuleType: X509RuleType;
  readonly identifier: string;
  readonly issuerSubjectIdentifier: string | null;
  readonly policyOidIdentifier: string | null;
  readonly x509CertificateAuthenticationMode: X509AuthenticationMode;
  readonly x509CertificateRequiredAffinityLevel: X509AffinityLevel;
}

export interface X509AuthenticationModeConfiguration {
  readonly x509CertificateAuthenticationDefaultMode: X509AuthenticationMode;
  readonly x509CertificateDefaultRequiredAffinityLevel: X509AffinityLevel;
  readonly rules: readonly X509CertificateRule[];
}

export interface X509IssuerHintsConfiguration {
  readonly state: PolicyState;
}

/** When enabled, CBA fails for a CA without a valid CRL, unless the CA's SKI is exempted. */
export interface X509CrlValidationConfiguration {
  readonly state: PolicyState;
  /** Hex SKIs, as the administrator wrote them: compare case-insensitively. */
  readonly exemptedCertificateAuthoritiesSubjectKeyIdentifiers: readonly string[];
}

/** Restricts the users of certificates issued by one CA to the given targets. */
export interface X509CertificateAuthorityScope {
  /** Hex SKI of the CA (a CA's issuerSubjectKeyIdentifier), as written: compare case-insensitively. */
  readonly subjectKeyIdentifier: string;
  /** The PKI holding the CA (Graph's example names it by displayName), or null. */
  readonly publicKeyInfrastructureIdentifier: string | null;
  readonly includeTargets: readonly X509PolicyTarget[];
}

/** The tenant's policy, every property present (defaults where the tenant set nothing). */
export interface X509Policy {
  readonly state: PolicyState;
  readonly includeTargets: readonly AuthenticationMethodTarget[];
  readonly excludeTargets: readonly X509PolicyTarget[];
  readonly certificateUserBindings: readonly X509CertificateUserBinding[];
  readonly authenticationModeConfiguration: X509AuthenticationModeConfiguration;
  readonly issuerHintsConfiguration: X509IssuerHintsConfiguration;
  readonly crlValidationConfiguration: X509CrlValidationConfiguration;
  readonly certificateAuthorityScopes: readonly X509CertificateAuthorityScope[];
}

/** A binding as a client sends it: without trustAffinityLevel it takes the field's natural affinity. */
export interface X509CertificateUserBindingInput {
  readonly x509CertificateField: X509CertificateField;
  readonly userProperty: X509UserProperty;
  readonly priority: number;
  readonly trustAffinityLevel?: X509AffinityLevel | undefined;
}

/** An include target as a client sends it: without isRegistrationRequired it is false, as in Graph's default. */
export interface AuthenticationMethodTargetInput {
  readonly id: string;
  readonly targetType: TargetType;
  readonly isRegistrationRequired?: boolean | undefined;
}

/** A rule as a client sends it: without a required affinity it takes the configuration's default. */
export interface X509CertificateRuleInput {
  readonly x509CertificateRuleType: X509RuleType;
  readonly identifier: string;
  readonly issuerSubjectIdentifier?: string | null | undefined;
  readonly policyOidIdentifier?: string | null | undefined;
  readonly x509CertificateAuthenticationMode: X509AuthenticationMode;
  readonly x509CertificateRequiredAffinityLevel?: X509AffinityLevel | undefined;
}

/**
 * A partial update: each property given replaces the stored one whole; a nested property left out of a
 * given object takes its default (not its earlier value).
 */
export interface X509PolicyPatch {
  readonly state?: PolicyState | undefined;
  readonly includeTargets?: readonly AuthenticationMethodTargetInput[] | undefined;
  readonly excludeTargets?: readonly X509PolicyTarget[] | undefined;
  readonly certificateUserBindings?: readonly X509CertificateUserBindingInput[] | undefined;
  readonly authenticationModeConfiguration?:
    | {
        readonly x509CertificateAuthenticationDefaultMode: X509AuthenticationMode;
        readonly x509CertificateDefaultRequiredAffinityLevel?: X509AffinityLevel | undefined;
        readonly rules?: readonly X509CertificateRuleInput[] | undefined;
      }
    | undefined;
  readonly issuerHintsConfiguration?: { readonly state: PolicyState } | undefined;
  readonly crlValidationConfiguration?:
    | {
        readonly state: PolicyState;
        readonly exemptedCertificateAuthoritiesSubjectKeyIdentifiers?: readonly string[] | undefined;
      }
    | undefined;
  readonly certificateAuthorityScopes?:
    | readonly {
        readonly subjectKeyIdentifier: string;
        readonly publicKeyInfrastructureIdentifier?: string | null | undefined;
        readonly includeTargets?: readonly X509PolicyTarget[] | undefined;
      }[]
    | undefined;
}

const POLICY_PROPERTIES = [
  'state',
  'includeTargets',
  'excludeTargets',
  'certificateUserBindings',
  'authenticationModeConfiguration',
  'issuerHintsConfiguration',
  'crlValidationConfiguration',
  'certificateAuthorityScopes',
] as const satisfies readonly (keyof X509Policy)[];

/** Entra's affinity of each binding field: fields that identify one certificate bind with high affinity. */
const FIELD_AFFINITY: Readonly<Record<X509CertificateField, X509AffinityLevel>> = CERTIFICATE_FIELD_AFFINITY;

/**
 * The policy of a tenant that never changed it, and what DELETE restores: Graph's documented default
 * configuration (the get page's example; spec cba-setup-and-signin §2.2), whose first binding maps
 * PrincipalName to onPremisesUserPrincipalName. The properties that example leaves out take their
 * disabled/low values. A fresh object on every call.
 */
export function defaultX509Policy(): X509Policy {
  return {
    state: 'disabled',
    includeTargets: [{ id: ALL_USERS, targetType: 'group', isRegistrationRequired: false }],
    excludeTargets: [],
    certificateUserBindings: [
      { x509CertificateField: 'PrincipalName', userProperty: 'onPremisesUserPrincipalName', priority: 1, trustAffinityLevel: 'low' },
      { x509CertificateField: 'RFC822Name', userProperty: 'userPrincipalName', priority: 2, trustAffinityLevel: 'low' },
    ],
    authenticationModeConfiguration: {
      x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor',
      x509CertificateDefaultRequiredAffinityLevel: 'low',
      rules: [],
    },
    issuerHintsConfiguration: { state: 'disabled' },
    crlValidationConfiguration: { state: 'disabled', exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [] },
    certificateAuthorityScopes: [],
  };
}

export class X509PolicyService {
  constructor(private readonly store: Store) {}

  /** The tenant's policy with defaults filled in: what the verification engine applies. */
  async getPolicy(tenantId: string): Promise<X509Policy> {
    const stored = await this.store.repositories.x509Policies.find(tenantId);
    return stored ? policyOf(stored) : defaultX509Policy();
  }

  /** Checks the patch, applies it in one transaction (serialised per tenant) and returns the result. */
  async update(tenantId: string, patch: X509PolicyPatch): Promise<X509Policy> {
    const changes = normalisePatch(patch);
    const now = graphTimestamp();
    return this.store.transaction(async (repositories) => {
      const current = policyOf(await repositories.x509Policies.lock(tenantId, { configuration: '{}', lastModifiedDateTime: now }));
      const next: X509Policy = { ...current, ...changes };
      await repositories.x509Policies.save(tenantId, { configuration: JSON.stringify(next), lastModifiedDateTime: now });
      return next;
    });
  }

  /**
   * Graph's DELETE: drops the tenant's customisation, so the documented default applies again. An empty
   * document rather than no row, so that the change has its lastModifiedDateTime like any other.
   */
  async reset(tenantId: string): Promise<void> {
    await this.store.repositories.x509Policies.save(tenantId, { configuration: '{}', lastModifiedDateTime: graphTimestamp() });
  }

  /** When the tenant last changed the configuration; undefined when it never did. */
  async lastModified(tenantId: string): Promise<string | undefined> {
    return (await this.store.repositories.x509Policies.find(tenantId))?.lastModifiedDateTime;
  }
}

/** The stored document over the defaults: a property a later version adds is default until set. */
export function policyOf(stored: StoredX509Policy): X509Policy {
  const parsed: unknown = JSON.parse(stored.configuration);
  const document = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Partial<Record<keyof X509Policy, unknown>>;
  const policy: Record<string, unknown> = { ...defaultX509Policy() };
  // Written only by update() below, after normalisePatch: the shapes are the ones X509Policy declares.
  for (const property of POLICY_PROPERTIES) if (document[property] !== undefined) policy[property] = document[property];
  return policy as unknown as X509Policy;
}

type Changes = { -readonly [K in keyof X509Policy]?: X509Policy[K] };

/** A whole policy (a snapshot's) checked as a PATCH body is, defaults where it says nothing. */
export function policyFromDocument(document: X509PolicyPatch): X509Policy {
  return { ...defaultX509Policy(), ...normalisePatch(document) };
}

/** Checks what the schema cannot express and fills in defaults; throws a precise 400 on the first problem. */
export function normalisePatch(patch: X509PolicyPatch): Changes {
  const changes: Changes = {};
  if (patch.state !== undefined) changes.state = patch.state;
  if (patch.includeTargets !== undefined) changes.includeTargets = includeTargets(patch.includeTargets);
  if (patch.excludeTargets !== undefined) changes.excludeTargets = patch.excludeTargets.map((t, i) => target(t, `excludeTargets.${i}`));
  if (patch.certificateUserBindings !== undefined) changes.certificateUserBindings = bindings(patch.certificateUserBindings);
  if (patch.authenticationModeConfiguration !== undefined) {
    const config = patch.authenticationModeConfiguration;
    const defaultAffinity = config.x509CertificateDefaultRequiredAffinityLevel ?? 'low';
    changes.authenticationModeConfiguration = {
      x509CertificateAuthenticationDefaultMode: config.x509CertificateAuthenticationDefaultMode,
      x509CertificateDefaultRequiredAffinityLevel: defaultAffinity,
      rules: rules(config.rules ?? [], defaultAffinity),
    };
  }
  if (patch.issuerHintsConfiguration !== undefined) changes.issuerHintsConfiguration = { state: patch.issuerHintsConfiguration.state };
  if (patch.crlValidationConfiguration !== undefined) {
    const path = 'crlValidationConfiguration.exemptedCertificateAuthoritiesSubjectKeyIdentifiers';
    changes.crlValidationConfiguration = {
      state: patch.crlValidationConfiguration.state,
      exemptedCertificateAuthoritiesSubjectKeyIdentifiers: (patch.crlValidationConfiguration.exemptedCertificateAuthoritiesSubjectKeyIdentifiers ?? []).map(
        (ski, i) => subjectKeyIdentifier(ski, `${path}.${i}`),
      ),
    };
  }
  if (patch.certificateAuthorityScopes !== undefined) changes.certificateAuthorityScopes = scopes(patch.certificateAuthorityScopes);
  return changes;
}

function bindings(input: readonly X509CertificateUserBindingInput[]): X509CertificateUserBinding[] {
  const byPriority = new Map<number, number>();
  return input.map((binding, i) => {
    const earlier = byPriority.get(binding.priority);
    if (earlier !== undefined) {
      throw invalid(
        `certificateUserBindings.${i}.priority`,
        `priority ${binding.priority} is already used by certificateUserBindings.${earlier}; every binding needs a unique priority`,
      );
    }
    byPriority.set(binding.priority, i);
    return {
      x509CertificateField: binding.x509CertificateField,
      userProperty: binding.userProperty,
      priority: binding.priority,
      trustAffinityLevel: binding.trustAffinityLevel ?? FIELD_AFFINITY[binding.x509CertificateField],
    };
  });
}

function rules(input: readonly X509CertificateRuleInput[], defaultAffinity: X509AffinityLevel): X509CertificateRule[] {
  const byIdentifier = new Map<string, number>();
  return input.map((rule, i) => {
    const path = `authenticationModeConfiguration.rules.${i}`;
    const identifier = nonBlank(rule.identifier, `${path}.identifier`);
    const key = identifier.toLowerCase();
    const earlier = byIdentifier.get(key);
    if (earlier !== undefined) {
      throw invalid(
        `${path}.identifier`,
        `${JSON.stringify(identifier)} is already the identifier of authenticationModeConfiguration.rules.${earlier}; rule identifiers must be unique`,
      );
    }
    byIdentifier.set(key, i);

    let issuerSubjectIdentifier: string | null = null;
    let policyOidIdentifier: string | null = null;
    if (rule.x509CertificateRuleType === 'issuerSubjectAndPolicyOID') {
      issuerSubjectIdentifier = nonBlank(required(rule.issuerSubjectIdentifier, `${path}.issuerSubjectIdentifier`), `${path}.issuerSubjectIdentifier`);
      policyOidIdentifier = objectIdentifier(required(rule.policyOidIdentifier, `${path}.policyOidIdentifier`), `${path}.policyOidIdentifier`);
    } else {
      for (const part of ['issuerSubjectIdentifier', 'policyOidIdentifier'] as const) {
        if (rule[part] !== undefined && rule[part] !== null) {
          throw invalid(`${path}.${part}`, `only a rule of x509CertificateRuleType 'issuerSubjectAndPolicyOID' has one (this rule is '${rule.x509CertificateRuleType}')`);
        }
      }
      if (rule.x509CertificateRuleType === 'policyOID') objectIdentifier(identifier, `${path}.identifier`);
    }
    return {
      x509CertificateRuleType: rule.x509CertificateRuleType,
      identifier,
      issuerSubjectIdentifier,
      policyOidIdentifier,
      x509CertificateAuthenticationMode: rule.x509CertificateAuthenticationMode,
      x509CertificateRequiredAffinityLevel: rule.x509CertificateRequiredAffinityLevel ?? defaultAffinity,
    };
  });
}

function scopes(input: NonNullable<X509PolicyPatch['certificateAuthorityScopes']>): X509CertificateAuthorityScope[] {
  const seen = new Map<string, number>();
  return input.map((scope, i) => {
    const path = `certificateAuthorityScopes.${i}`;
    const ski = subjectKeyIdentifier(scope.subjectKeyIdentifier, `${path}.subjectKeyIdentifier`);
    const pki = scope.publicKeyInfrastructureIdentifier ?? null;
    const key = JSON.stringify([ski.toUpperCase(), pki?.toLowerCase() ?? null]);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw invalid(
        `${path}.subjectKeyIdentifier`,
        `certificateAuthorityScopes.${earlier} already scopes the CA ${ski} of the same PKI; each CA can have one scope`,
      );
    }
    seen.set(key, i);
    return {
      subjectKeyIdentifier: ski,
      publicKeyInfrastructureIdentifier: pki,
      includeTargets: (scope.includeTargets ?? []).map((t, j) => target(t, `${path}.includeTargets.${j}`)),
    };
  });
}

function includeTargets(input: readonly AuthenticationMethodTargetInput[]): AuthenticationMethodTarget[] {
  const seen = new Map<string, number>();
  return input.map((t, i) => {
    const path = `includeTargets.${i}`;
    const { id, targetType } = target(t, path);
    // Group and user ids are GUIDs (and all_users a fixed word): the same one twice is the same target.
    const earlier = seen.get(id.toLowerCase());
    if (earlier !== undefined) throw invalid(`${path}.id`, `${JSON.stringify(id)} is already includeTargets.${earlier}; each target can be included once`);
    seen.set(id.toLowerCase(), i);
    if (id.toLowerCase() === ALL_USERS && targetType !== 'group') {
      throw invalid(`${path}.targetType`, `'${ALL_USERS}' is a group target (targetType 'group'), not '${targetType}'`);
    }
    return { id, targetType, isRegistrationRequired: t.isRegistrationRequired ?? false };
  });
}

function target(input: X509PolicyTarget, path: string): X509PolicyTarget {
  return { id: nonBlank(input.id, `${path}.id`), targetType: input.targetType };
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

function subjectKeyIdentifier(value: string, path: string): string {
  if (!HEX.test(value)) {
    throw invalid(path, `${JSON.stringify(value)} is not a subject key identifier (expected hexadecimal digits, an even number of them, e.g. 40 for a SHA-1 key identifier)`);
  }
  return value;
}

// X.660: the first arc is 0, 1 or 2; under 0 and 1 the second arc is at most 39; no leading zeros.
const OID = /^(?:[01]\.(?:[0-9]|[1-3][0-9])|2\.(?:0|[1-9][0-9]*))(?:\.(?:0|[1-9][0-9]*))*$/;

function objectIdentifier(value: string, path: string): string {
  if (!OID.test(value)) {
    throw invalid(path, `${JSON.stringify(value)} is not a policy OID (expected a dotted-decimal object identifier such as 1.3.6.1.4.1.311.21.8)`);
  }
  return value;
}

function nonBlank(value: string, path: string): string {
  if (value.trim() === '') throw invalid(path, 'the value must not be empty');
  return value;
}

function required(value: string | null | undefined, path: string): string {
  if (value === undefined || value === null) {
    throw graphErrors.badRequest(
      `A value is required for property '${path}' of resource '${X509_POLICY_RESOURCE}' when x509CertificateRuleType is 'issuerSubjectAndPolicyOID'.`,
    );
  }
  return value;
}

function invalid(path: string, problem: string) {
  return graphErrors.badRequest(`Invalid value specified for property '${path}' of resource '${X509_POLICY_RESOURCE}': ${problem}.`);
}
