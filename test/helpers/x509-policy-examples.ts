// Microsoft's documented request bodies for the x509 authentication-method configuration and the
// authenticationMethodsPolicy root, exactly as the docs show them (microsoftgraph/microsoft-graph-docs-contrib;
// trailing space in the issuer identifier included). Tests send them verbatim, by hand and through the SDKs.

/** v1.0 api/x509certificateauthenticationmethodconfiguration-update.md @028b8e35. */
export const X509_UPDATE_EXAMPLE_V1 = {
  '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
  id: 'X509Certificate',
  state: 'enabled',
  certificateUserBindings: [
    {
      x509CertificateField: 'PrincipalName',
      userProperty: 'onPremisesUserPrincipalName',
      priority: 1,
    },
  ],
  authenticationModeConfiguration: {
    x509CertificateAuthenticationDefaultMode: 'x509CertificateMultiFactor',
    rules: [
      {
        x509CertificateRuleType: 'issuerSubject',
        identifier: 'CN=ContosoCA,DC=Contoso,DC=org ',
        x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
      },
      {
        x509CertificateRuleType: 'policyOID',
        identifier: '1.2.3.4',
        x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
      },
    ],
  },
  includeTargets: [
    {
      targetType: 'group',
      id: 'all_users',
      isRegistrationRequired: false,
    },
  ],
} as const;

/**
 * beta, the newest example (issuer hints, CRL validation and a CA scope; spec cba-setup-and-signin §2.4,
 * docs-contrib beta includes/snippets of update-x509certificateauthenticationmethodconfiguration).
 */
export const X509_UPDATE_EXAMPLE_BETA = {
  '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
  id: 'X509Certificate',
  state: 'enabled',
  certificateUserBindings: [
    {
      x509CertificateField: 'PrincipalName',
      userProperty: 'onPremisesUserPrincipalName',
      priority: 1,
    },
  ],
  authenticationModeConfiguration: {
    x509CertificateAuthenticationDefaultMode: 'x509CertificateMultiFactor',
    rules: [
      {
        x509CertificateRuleType: 'issuerSubject',
        identifier: 'CN=ContosoCA,DC=Contoso,DC=org ',
        x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
      },
      {
        x509CertificateRuleType: 'policyOID',
        identifier: '1.2.3.4',
        x509CertificateAuthenticationMode: 'x509CertificateMultiFactor',
      },
    ],
  },
  issuerHintsConfiguration: {
    state: 'disabled',
  },
  crlValidationConfiguration: {
    state: 'disabled',
    exemptedCertificateAuthoritiesSubjectKeyIdentifiers: [],
  },
  certificateAuthorityScopes: [
    {
      subjectKeyIdentifier: 'aaaaaaaabbbbcccc111122222222222222333333',
      publicKeyInfrastructureIdentifier: 'Contoso PKI',
      includeTargets: [
        {
          id: 'aaaaaaaa-bbbb-cccc-1111-222222222222',
          targetType: 'group',
        },
      ],
    },
  ],
  includeTargets: [
    {
      targetType: 'group',
      id: 'all_users',
      isRegistrationRequired: false,
    },
  ],
} as const;

/** beta, the older example (docs-contrib beta update page @094b12e0): the documented defaults, sent back. */
export const X509_UPDATE_EXAMPLE_BETA_DEFAULTS = {
  '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration',
  id: 'X509Certificate',
  state: 'disabled',
  certificateUserBindings: [
    {
      x509CertificateField: 'PrincipalName',
      userProperty: 'onPremisesUserPrincipalName',
      priority: 1,
    },
    {
      x509CertificateField: 'RFC822Name',
      userProperty: 'userPrincipalName',
      priority: 2,
    },
  ],
  authenticationModeConfiguration: {
    x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor',
    rules: [],
  },
  includeTargets: [
    {
      targetType: 'group',
      id: 'all_users',
      isRegistrationRequired: false,
    },
  ],
} as const;

/** v1.0 api/authenticationmethodspolicy-update.md @09455a65. */
export const METHODS_POLICY_UPDATE_EXAMPLE = {
  registrationEnforcement: {
    authenticationMethodsRegistrationCampaign: {
      snoozeDurationInDays: 1,
      state: 'enabled',
      excludeTargets: [],
      includeTargets: [
        {
          id: '3ee3a9de-0a86-4e12-a287-9769accf1ba2',
          targetType: 'group',
          targetedAuthenticationMethod: 'microsoftAuthenticator',
        },
      ],
    },
  },
} as const;
