// Values copied from Microsoft's Graph docs, shared by the tests that send them.

/**
 * The values Graph's create certificateAuthorityDetail page shows (its example response, beta and v1.0),
 * including those the certificate determines: a client sending them for another certificate gets those ignored.
 */
export const DOCS_CA_EXAMPLE_VALUES = {
  certificateAuthorityType: 'intermediate',
  displayName: 'Contoso2 CA1',
  issuer: 'Contoso2',
  issuerSubjectKeyIdentifier: 'C0E9....711A',
  expirationDateTime: '2027-08-29T02:05:57Z',
  thumbprint: 'C6FA....4E9CF2',
  certificateRevocationListUrl: null,
  deltacertificateRevocationListUrl: null,
  isIssuerHintEnabled: true,
} as const;
