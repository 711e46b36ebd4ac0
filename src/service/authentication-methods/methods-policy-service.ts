// The tenant's authenticationMethodsPolicy (Graph's /policies/authenticationMethodsPolicy, spec
// cba-setup-and-signin §2.5): the root's own properties (registration campaign, reconfirmation, migration
// state), read with defaults and partially updated, and the method configurations it holds. Only the X.509
// certificate method is served; its configuration is X509PolicyService's.
import type { Store } from '../../store/store.ts';
import { graphTimestamp } from '../clock.ts';
import { graphErrors } from '../errors.ts';
import { ALL_USERS, type TargetType, type X509Policy, type X509PolicyService, type X509PolicyTarget } from './x509-policy-service.ts';

/** Graph type named in validation messages. */
export const METHODS_POLICY_RESOURCE = 'microsoft.graph.authenticationMethodsPolicy';
const CAMPAIGN_RESOURCE = 'microsoft.graph.authenticationMethodsRegistrationCampaign';

/** Graph's advancedConfigState (`default` = Entra decides). */
export const ADVANCED_CONFIG_STATES = ['default', 'enabled', 'disabled'] as const;
export type AdvancedConfigState = (typeof ADVANCED_CONFIG_STATES)[number];

/** The CSDL spelling (the docs write `premigration`). */
export const POLICY_MIGRATION_STATES = ['preMigration', 'migrationInProgress', 'migrationComplete'] as const;
export type PolicyMigrationState = (typeof POLICY_MIGRATION_STATES)[number];

/** Graph's documented bounds of the campaign's snooze (0 = prompted at every MFA sign-in). */
export const SNOOZE_DAYS = { min: 0, max: 14 } as const;
/** Days before users re-confirm their methods: Entra's admin center takes 0 to 365. */
export const RECONFIRMATION_DAYS = { min: 0, max: 365 } as const;

export interface RegistrationCampaignIncludeTarget extends X509PolicyTarget {
  readonly targetedAuthenticationMethod: string;
}

export interface RegistrationCampaign {
  readonly snoozeDurationInDays: number;
  /** Beta in Graph's docs; served on both versions, as one $metadata describes both. */
  readonly enforceRegistrationAfterAllowedSnoozes: boolean;
  readonly state: AdvancedConfigState;
  readonly excludeTargets: readonly X509PolicyTarget[];
  readonly includeTargets: readonly RegistrationCampaignIncludeTarget[];
}

/** The root's own, writable properties. */
export interface MethodsPolicySettings {
  readonly policyMigrationState: PolicyMigrationState;
  readonly reconfirmationInDays: number | null;
  readonly registrationEnforcement: { readonly authenticationMethodsRegistrationCampaign: RegistrationCampaign };
}

/** The whole policy as GET shows it. */
export interface MethodsPolicy extends MethodsPolicySettings {
  /** The latest change of the root or of a configuration it holds; null while the tenant changed nothing. */
  readonly lastModifiedDateTime: string | null;
  readonly x509: X509Policy;
}

/** A PATCH: each property given replaces the stored one; a campaign property left out keeps its value. */
export interface MethodsPolicyPatch {
  readonly policyMigrationState?: PolicyMigrationState | undefined;
  readonly reconfirmationInDays?: number | null | undefined;
  readonly registrationEnforcement?:
    | {
        readonly authenticationMethodsRegistrationCampaign?:
          | {
              readonly snoozeDurationInDays?: number | undefined;
              readonly enforceRegistrationAfterAllowedSnoozes?: boolean | undefined;
              readonly state?: AdvancedConfigState | undefined;
              readonly excludeTargets?: readonly X509PolicyTarget[] | undefined;
              readonly includeTargets?:
                | readonly { readonly id: string; readonly targetType: TargetType; readonly targetedAuthenticationMethod?: string | undefined }[]
                | undefined;
            }
          | undefined;
      }
    | undefined;
}

/**
 * A tenant that never changed the policy: the values Graph's get example shows (the Authenticator
 * registration campaign left to Entra's default, for all users, snoozable for a day).
 */
export function defaultMethodsPolicySettings(): MethodsPolicySettings {
  return {
    policyMigrationState: 'preMigration',
    reconfirmationInDays: null,
    registrationEnforcement: {
      authenticationMethodsRegistrationCampaign: {
        snoozeDurationInDays: 1,
        enforceRegistrationAfterAllowedSnoozes: true,
        state: 'default',
        excludeTargets: [],
        includeTargets: [{ id: ALL_USERS, targetType: 'group', targetedAuthenticationMethod: 'microsoftAuthenticator' }],
      },
    },
  };
}

export class AuthenticationMethodsPolicyService {
  constructor(
    private readonly store: Store,
    private readonly x509: X509PolicyService,
  ) {}

  async get(tenantId: string): Promise<MethodsPolicy> {
    const [stored, x509, x509Modified] = await Promise.all([
      this.store.repositories.methodsPolicies.find(tenantId),
      this.x509.getPolicy(tenantId),
      this.x509.lastModified(tenantId),
    ]);
    const settings = stored ? settingsOf(stored.configuration) : defaultMethodsPolicySettings();
    return { ...settings, lastModifiedDateTime: latest(stored?.lastModifiedDateTime, x509Modified), x509 };
  }

  /** Checks the patch and applies it in one transaction (serialised per tenant); the whole policy after it. */
  async update(tenantId: string, patch: MethodsPolicyPatch): Promise<MethodsPolicy> {
    const now = graphTimestamp();
    await this.store.transaction(async (repositories) => {
      const current = settingsOf((await repositories.methodsPolicies.lock(tenantId, { configuration: '{}', lastModifiedDateTime: now })).configuration);
      const next = applyPatch(current, patch);
      await repositories.methodsPolicies.save(tenantId, { configuration: JSON.stringify(next), lastModifiedDateTime: now });
    });
    return this.get(tenantId);
  }
}

/** The stored document over the defaults (written only by update() or a checked snapshot). */
export function settingsOf(configuration: string): MethodsPolicySettings {
  const parsed: unknown = JSON.parse(configuration);
  const document = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Partial<MethodsPolicySettings>;
  return { ...defaultMethodsPolicySettings(), ...document };
}

/** A whole document (a snapshot's) checked as a PATCH is, defaults where it says nothing. */
export function settingsFromDocument(document: MethodsPolicyPatch): MethodsPolicySettings {
  return applyPatch(defaultMethodsPolicySettings(), document);
}

function latest(...times: (string | undefined)[]): string | null {
  const known = times.filter((t): t is string => t !== undefined).sort();
  return known.at(-1) ?? null;
}

/** Checks what the schema cannot say and merges; throws a precise 400 on the first problem. */
export function applyPatch(current: MethodsPolicySettings, patch: MethodsPolicyPatch): MethodsPolicySettings {
  let next: MethodsPolicySettings = { ...current };
  if (patch.policyMigrationState !== undefined) next = { ...next, policyMigrationState: patch.policyMigrationState };
  if (patch.reconfirmationInDays !== undefined) {
    const days = patch.reconfirmationInDays;
    if (days !== null) inRange(days, RECONFIRMATION_DAYS, 'reconfirmationInDays', METHODS_POLICY_RESOURCE);
    next = { ...next, reconfirmationInDays: days };
  }
  const campaign = patch.registrationEnforcement?.authenticationMethodsRegistrationCampaign;
  if (campaign !== undefined) {
    const was = current.registrationEnforcement.authenticationMethodsRegistrationCampaign;
    const path = 'registrationEnforcement.authenticationMethodsRegistrationCampaign';
    if (campaign.snoozeDurationInDays !== undefined) inRange(campaign.snoozeDurationInDays, SNOOZE_DAYS, `${path}.snoozeDurationInDays`, CAMPAIGN_RESOURCE);
    const includeTargets = campaign.includeTargets?.map((t, i) => {
      const method = t.targetedAuthenticationMethod ?? 'microsoftAuthenticator';
      for (const [name, value] of [['id', t.id], ['targetedAuthenticationMethod', method]] as const) {
        if (value.trim() === '') throw invalid(`${path}.includeTargets.${i}.${name}`, 'the value must not be empty');
      }
      return { id: t.id, targetType: t.targetType, targetedAuthenticationMethod: method };
    });
    const excludeTargets = campaign.excludeTargets?.map((t, i) => {
      if (t.id.trim() === '') throw invalid(`${path}.excludeTargets.${i}.id`, 'the value must not be empty');
      return { id: t.id, targetType: t.targetType };
    });
    next = {
      ...next,
      registrationEnforcement: {
        authenticationMethodsRegistrationCampaign: {
          snoozeDurationInDays: campaign.snoozeDurationInDays ?? was.snoozeDurationInDays,
          enforceRegistrationAfterAllowedSnoozes: campaign.enforceRegistrationAfterAllowedSnoozes ?? was.enforceRegistrationAfterAllowedSnoozes,
          state: campaign.state ?? was.state,
          excludeTargets: excludeTargets ?? was.excludeTargets,
          includeTargets: includeTargets ?? was.includeTargets,
        },
      },
    };
  }
  return next;
}

function inRange(value: number, range: { readonly min: number; readonly max: number }, path: string, resource: string): void {
  if (value < range.min || value > range.max) {
    throw graphErrors.badRequest(
      `Invalid value specified for property '${path}' of resource '${resource}': ${value} is outside ${range.min} to ${range.max}.`,
    );
  }
}

function invalid(path: string, problem: string) {
  return graphErrors.badRequest(`Invalid value specified for property '${path}' of resource '${METHODS_POLICY_RESOURCE}': ${problem}.`);
}
