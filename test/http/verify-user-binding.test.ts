// POST /graph-pki/v1/verify resolves the user a certificate would sign in (spec cba-setup-and-signin §5, §6,
// §10): with `userPrincipalName` the tenant's certificateUserBindings are tried against that user, without it
// against every user (username-less); affinity, the x509 method's state and targets, CA scopes and the
// account decide, each failure with Entra's AADSTS code. Users are real directory users of the server.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createCa, createLeaf, type TestCert } from '../helpers/certs.ts';
import { PKI_PATH, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/test-server.ts';

const VERIFY = '/graph-pki/v1/verify';
const POLICY = '/v1.0/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/x509Certificate';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

let t: TestServer;
let policyToken: string;
let root: TestCert;
let issuing: TestCert;
let issuingSki: string;
/** UPN alice@contoso.test and email alice.mail@contoso.test in its SAN. */
let alice: TestCert;
/** Two UPNs in its SAN: dave@ and erin@. */
let twoNames: TestCert;
/** No SAN at all. */
let bare: TestCert;
const users: Record<string, string> = {};

interface UserProps {
  userPrincipalName: string;
  accountEnabled?: boolean;
  certificateUserIds?: string[];
  onPremisesUserPrincipalName?: string;
}

let usersToken: string;

/**
 * Creates a user through POST /v1.0/users with Graph's minimal body (spec §1.6). onPremisesUserPrincipalName
 * is read-only in Graph (directory sync sets it): that one is given as sync would, through the directory service.
 */
async function addUser(props: UserProps, tenantId = TENANT_A): Promise<string> {
  const alias = props.userPrincipalName.split('@')[0] as string;
  if (props.onPremisesUserPrincipalName !== undefined) return (await t.server.users.create(tenantId, { displayName: alias, ...props })).id;
  const body = {
    accountEnabled: props.accountEnabled ?? true,
    displayName: alias,
    mailNickname: alias,
    userPrincipalName: props.userPrincipalName,
    passwordProfile: { forceChangePasswordNextSignIn: true, password: 'xWwvJ]6NMw+bWH-d' },
    ...(props.certificateUserIds ? { authorizationInfo: { certificateUserIds: props.certificateUserIds } } : {}),
  };
  const token = tenantId === TENANT_A ? usersToken : await t.token({ tenantId, appRoles: ['User.ReadWrite.All'] });
  const res = await t.request('POST', '/v1.0/users', { body, token });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}

const verify = (certificate: TestCert, userPrincipalName?: string) =>
  t.request('POST', VERIFY, { body: { certificate: certificate.base64, ...(userPrincipalName !== undefined ? { userPrincipalName } : {}) } });

async function signIn(certificate: TestCert, userPrincipalName?: string) {
  const res = await verify(certificate, userPrincipalName);
  assert.equal(res.status, 200, res.text);
  return res.body.signIn;
}

async function patchPolicy(body: Record<string, unknown>): Promise<void> {
  const res = await t.request('PATCH', POLICY, { body: { '@odata.type': '#microsoft.graph.x509CertificateAuthenticationMethodConfiguration', ...body }, token: policyToken });
  assert.equal(res.status, 204, res.text);
}

const binding = (x509CertificateField: string, userProperty: string, priority: number) => ({ x509CertificateField, userProperty, priority });
const singleFactor = (rules: unknown[] = [], x509CertificateDefaultRequiredAffinityLevel = 'low') => ({
  x509CertificateAuthenticationDefaultMode: 'x509CertificateSingleFactor',
  x509CertificateDefaultRequiredAffinityLevel,
  rules,
});

/** The policy each test starts from: enabled, names bound to userPrincipalName, low affinity, no scopes. */
const BASELINE = {
  state: 'enabled',
  includeTargets: [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }],
  excludeTargets: [],
  certificateUserBindings: [binding('PrincipalName', 'userPrincipalName', 1), binding('RFC822Name', 'userPrincipalName', 2)],
  authenticationModeConfiguration: singleFactor(),
  certificateAuthorityScopes: [],
};

before(async () => {
  t = await startTestServer();
  policyToken = await t.token({ appRoles: ['Policy.ReadWrite.AuthenticationMethod'] });
  usersToken = await t.token({ appRoles: ['User.ReadWrite.All'] });
  root = await createCa({ subject: 'CN=Binding Root, O=Contoso' });
  issuing = await createCa({ subject: 'CN=Binding Issuing CA, O=Contoso', issuer: root });
  const leaf = (subject: string, subjectAltNames: { type: 'upn' | 'email'; value: string }[]) =>
    createLeaf({ subject, issuer: issuing, extendedKeyUsage: [CLIENT_AUTH], ...(subjectAltNames.length > 0 ? { subjectAltNames } : {}) });
  alice = await leaf('CN=Alice, O=Contoso', [{ type: 'upn', value: 'alice@contoso.test' }, { type: 'email', value: 'alice.mail@contoso.test' }]);
  twoNames = await leaf('CN=Shared Card, O=Contoso', [{ type: 'upn', value: 'dave@contoso.test' }, { type: 'upn', value: 'erin@contoso.test' }]);
  bare = await leaf('CN=No Names, O=Contoso', []);
  const pkiId = (await t.request('POST', `/beta${PKI_PATH}`, { body: { displayName: 'Binding PKI' } })).body.id;
  for (const cert of [root, issuing]) {
    const res = await t.request('POST', `/beta${PKI_PATH}/${pkiId}/certificateAuthorities`, { body: { certificate: cert.base64 } });
    assert.equal(res.status, 201, res.text);
    if (cert === issuing) issuingSki = res.body.issuerSubjectKeyIdentifier;
  }
  users.alice = await addUser({ userPrincipalName: 'Alice@contoso.test' });
  users.bob = await addUser({ userPrincipalName: 'bob@contoso.test' });
  users.dave = await addUser({ userPrincipalName: 'dave@contoso.test' });
  users.erin = await addUser({ userPrincipalName: 'erin@contoso.test' });
  users.frank = await addUser({ userPrincipalName: 'frank@contoso.test', accountEnabled: false });
});
after(async () => {
  await t.close();
});
beforeEach(async () => {
  await patchPolicy(BASELINE);
});

describe('with the name typed at sign-in', () => {
  it('signs in the typed user through the first binding that matches, naming the user and the binding', async () => {
    const result = await signIn(alice, 'alice@CONTOSO.test');
    assert.equal(result.succeeded, true, JSON.stringify(result.error));
    assert.equal(result.userPrincipalName, 'alice@CONTOSO.test');
    assert.deepEqual(result.user, { id: users.alice, userPrincipalName: 'Alice@contoso.test', displayName: 'Alice', accountEnabled: true });
    assert.deepEqual(result.binding, { priority: 1, x509CertificateField: 'PrincipalName', userProperty: 'userPrincipalName', trustAffinityLevel: 'low', value: 'X509:<PN>alice@contoso.test' });
    assert.equal(result.authenticationMode, 'x509CertificateSingleFactor');
    assert.equal(result.authenticationRequirement, 'singleFactorAuthentication');
    assert.equal(result.error, null);
  });

  it('AADSTS50034 when no user has the typed name, even before the certificate is looked at', async () => {
    const result = await signIn(alice, 'nobody@contoso.test');
    assert.equal(result.succeeded, false);
    assert.equal(result.user, null);
    assert.equal(result.error.errorCode, 50034);
    assert.equal(result.error.code, 'AADSTS50034');
    assert.match(result.error.detail, /no user has the userPrincipalName 'nobody@contoso\.test'/);
    const stranger = await createLeaf({ subject: 'CN=Stranger', issuer: await createCa({ subject: 'CN=Unknown Root' }) });
    assert.equal((await signIn(stranger, 'nobody@contoso.test')).error.errorCode, 50034);
  });

  it("AADSTS50034 when the certificate's values belong to someone else", async () => {
    const result = await signIn(alice, 'bob@contoso.test');
    assert.equal(result.succeeded, false);
    assert.equal(result.user.id, users.bob);
    assert.equal(result.error.errorCode, 50034);
    assert.match(result.error.detail, /matches bob@contoso\.test through none of the bindings/);
  });

  it('AADSTS50057 for a disabled account', async () => {
    const frankCert = await createLeaf({ subject: 'CN=Frank', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH], subjectAltNames: [{ type: 'upn', value: 'frank@contoso.test' }] });
    const result = await signIn(frankCert, 'frank@contoso.test');
    assert.equal(result.succeeded, false);
    assert.equal(result.user.id, users.frank);
    assert.equal(result.error.errorCode, 50057);
    assert.equal(result.error.message, 'UserDisabled - The user account is disabled.');
    // Username-less, the binding finds frank and then refuses the account.
    assert.equal((await signIn(frankCert)).error.errorCode, 50057);
  });

  it('AADSTS1001003 when the certificate has none of the fields the bindings read', async () => {
    const result = await signIn(bare, 'alice@contoso.test');
    assert.equal(result.error.errorCode, 1001003);
    assert.equal(result.error.message, 'Unable To Acquire Value Specified In Binding From Certificate');
    assert.match(result.error.detail, /none of the fields the bindings read \(PrincipalName, RFC822Name\)/);
    assert.equal((await signIn(bare)).error.errorCode, 1001003);
  });

  it('AADSTS130501 when the user is not in the x509 method includeTargets (groups hold nobody here)', async () => {
    await patchPolicy({ includeTargets: [{ targetType: 'group', id: '00000000-0000-4000-8000-0000000000bb', isRegistrationRequired: false }] });
    const outside = await signIn(alice, 'alice@contoso.test');
    assert.equal(outside.error.errorCode, 130501);
    assert.equal(outside.error.message, 'Sign in was blocked due to User Credential Policy.');
    assert.match(outside.error.detail, /not in the includeTargets/);
    assert.equal((await signIn(alice)).error.errorCode, 130501);
    await patchPolicy({ includeTargets: [{ targetType: 'user', id: users.alice, isRegistrationRequired: false }] });
    assert.equal((await signIn(alice, 'alice@contoso.test')).succeeded, true);
    assert.equal((await signIn(twoNames, 'dave@contoso.test')).error.errorCode, 130501);
  });

  it('AADSTS130501 when the x509 method is disabled or the user is excluded from it', async () => {
    await patchPolicy({ state: 'disabled' });
    assert.equal((await signIn(alice, 'alice@contoso.test')).error.errorCode, 130501);
    assert.equal((await signIn(alice)).error.errorCode, 130501);
    await patchPolicy({ state: 'enabled', excludeTargets: [{ id: users.alice, targetType: 'user' }] });
    const excluded = await signIn(alice, 'alice@contoso.test');
    assert.equal(excluded.error.errorCode, 130501);
    assert.match(excluded.error.detail, /excludeTargets/);
    assert.equal((await signIn(alice)).error.errorCode, 130501, 'username-less: found, then excluded');
    assert.equal((await signIn(await createLeaf({ subject: 'CN=Bob', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH], subjectAltNames: [{ type: 'upn', value: 'bob@contoso.test' }] }))).succeeded, true);
  });
});

describe('username-less sign-in', () => {
  it('finds the one user holding a value of the certificate', async () => {
    const result = await signIn(alice);
    assert.equal(result.succeeded, true, JSON.stringify(result.error));
    assert.equal(result.userPrincipalName, null);
    assert.equal(result.user.id, users.alice);
    assert.equal(result.binding.x509CertificateField, 'PrincipalName');
  });

  it('AADSTS50034 when a binding matches several users (two UPNs in one certificate)', async () => {
    const result = await signIn(twoNames);
    assert.equal(result.succeeded, false);
    assert.equal(result.error.errorCode, 50034);
    assert.match(result.error.detail, /matches 2 users \((dave|erin)@contoso\.test, (dave|erin)@contoso\.test\): no unique user/);
    // With the name typed, the same certificate signs in either of them.
    assert.equal((await signIn(twoNames, 'erin@contoso.test')).user.id, users.erin);
  });

  it('AADSTS50034 when no user holds any of its values', async () => {
    const nobody = await createLeaf({ subject: 'CN=Nobody', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH], subjectAltNames: [{ type: 'upn', value: 'nobody@contoso.test' }] });
    const result = await signIn(nobody);
    assert.equal(result.error.errorCode, 50034);
    assert.equal(result.user, null);
  });

  it("never finds another tenant's users", async () => {
    await addUser({ userPrincipalName: 'zed@contoso.test' }, TENANT_B);
    const zed = await createLeaf({ subject: 'CN=Zed', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH], subjectAltNames: [{ type: 'upn', value: 'zed@contoso.test' }] });
    assert.equal((await signIn(zed)).error.errorCode, 50034);
    assert.equal((await signIn(zed, 'zed@contoso.test')).error.errorCode, 50034);
  });

  it('reports the certificate error when the path is not trusted (AADSTS500176 for an unknown CA)', async () => {
    const stranger = await createLeaf({ subject: 'CN=Stranger', issuer: await createCa({ subject: 'CN=Unknown Root 2' }), subjectAltNames: [{ type: 'upn', value: 'alice@contoso.test' }] });
    const res = await verify(stranger);
    assert.equal(res.body.trusted, false);
    assert.equal(res.body.signIn.error.errorCode, 500176);
    assert.equal((await signIn(stranger, 'alice@contoso.test')).error.errorCode, 500176);
  });
});

describe('bindings: priority order and affinity', () => {
  let carol: TestCert;
  let carolId: string;
  let thumbprint: string;

  before(async () => {
    // A smart card whose UPN names alice, while carol holds its thumbprint (high affinity) in certificateUserIds.
    carol = await createLeaf({ subject: 'CN=Carol, O=Contoso', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH], subjectAltNames: [{ type: 'upn', value: 'alice@contoso.test' }] });
    thumbprint = (await verify(carol)).body.path[0].thumbprint;
    carolId = await addUser({ userPrincipalName: 'carol@contoso.test', certificateUserIds: [`X509:<SHA1-PUKEY>${thumbprint.toLowerCase()}`] });
  });

  it('tries bindings by priority: the lowest number decides which user signs in', async () => {
    await patchPolicy({ certificateUserBindings: [binding('SHA1PublicKey', 'certificateUserIds', 1), binding('PrincipalName', 'userPrincipalName', 2)] });
    const first = await signIn(carol);
    assert.equal(first.user.id, carolId);
    assert.deepEqual(first.binding, { priority: 1, x509CertificateField: 'SHA1PublicKey', userProperty: 'certificateUserIds', trustAffinityLevel: 'high', value: `X509:<SHA1-PUKEY>${thumbprint}` });
    await patchPolicy({ certificateUserBindings: [binding('SHA1PublicKey', 'certificateUserIds', 7), binding('PrincipalName', 'userPrincipalName', 3)] });
    const swapped = await signIn(carol);
    assert.equal(swapped.user.id, users.alice);
    assert.equal(swapped.binding.priority, 3);
  });

  it('high affinity required by the tenant: low bindings are dropped; a low-only match is AADSTS1001003', async () => {
    await patchPolicy({
      certificateUserBindings: [binding('PrincipalName', 'userPrincipalName', 1), binding('SHA1PublicKey', 'certificateUserIds', 2)],
      authenticationModeConfiguration: singleFactor([], 'high'),
    });
    const high = await signIn(carol);
    assert.equal(high.user.id, carolId);
    assert.equal(high.binding.trustAffinityLevel, 'high');
    const lowOnly = await signIn(alice);
    assert.equal(lowOnly.succeeded, false);
    assert.equal(lowOnly.error.errorCode, 1001003);
    assert.match(lowOnly.error.detail, /high affinity is required, and the certificate matches Alice@contoso\.test only through the low-affinity binding PrincipalName → userPrincipalName \(priority 1, low affinity\)/);
    const typed = await signIn(alice, 'alice@contoso.test');
    assert.equal(typed.error.errorCode, 1001003);
    // Low affinity again: the same certificate signs alice in.
    await patchPolicy({ authenticationModeConfiguration: singleFactor([], 'low') });
    assert.equal((await signIn(alice)).user.id, users.alice);
  });

  it('high affinity required by a matching rule, and the rule makes the sign-in multi-factor', async () => {
    const rule = { x509CertificateRuleType: 'issuerSubject', identifier: 'CN=Binding Issuing CA, O=Contoso', x509CertificateAuthenticationMode: 'x509CertificateMultiFactor', x509CertificateRequiredAffinityLevel: 'high' };
    await patchPolicy({
      certificateUserBindings: [binding('PrincipalName', 'userPrincipalName', 1), binding('SHA1PublicKey', 'certificateUserIds', 2)],
      authenticationModeConfiguration: singleFactor([rule]),
    });
    const result = await signIn(carol);
    assert.equal(result.user.id, carolId);
    assert.equal(result.authenticationMode, 'x509CertificateMultiFactor');
    assert.equal(result.authenticationRequirement, 'multiFactorAuthentication');
    assert.equal((await signIn(alice)).error.errorCode, 1001003);
    await patchPolicy({ authenticationModeConfiguration: singleFactor([{ ...rule, x509CertificateRequiredAffinityLevel: 'low' }]) });
    const low = await signIn(alice);
    assert.equal(low.user.id, users.alice);
    assert.equal(low.authenticationRequirement, 'multiFactorAuthentication');
  });

  it('binds IssuerAndSerialNumber stored in either byte order, and RFC822Name to onPremisesUserPrincipalName', async () => {
    const serial = await createLeaf({ subject: 'CN=Grace, O=Contoso', issuer: issuing, extendedKeyUsage: [CLIENT_AUTH], serialNumber: '48efa06ba8127299499b069f133441b2', subjectAltNames: [{ type: 'email', value: 'grace@corp.contoso.test' }] });
    // Microsoft's PowerShell helper writes the serial big-endian; Entra's how-to byte-reversed (what we offer).
    const grace = await addUser({ userPrincipalName: 'grace@contoso.test', onPremisesUserPrincipalName: 'Grace@corp.contoso.test', certificateUserIds: ['X509:<I>CN=Binding Issuing CA,O=Contoso<SR>48EFA06BA8127299499B069F133441B2'] });
    await patchPolicy({ certificateUserBindings: [binding('IssuerAndSerialNumber', 'certificateUserIds', 1)] });
    const bySerial = await signIn(serial, 'grace@contoso.test');
    assert.equal(bySerial.succeeded, true, JSON.stringify(bySerial.error));
    assert.equal(bySerial.binding.value, 'X509:<I>CN=Binding Issuing CA,O=Contoso<SR>b24134139f069b49997212a86ba0ef48');
    assert.equal((await signIn(serial)).user.id, grace);
    await patchPolicy({ certificateUserBindings: [binding('RFC822Name', 'onPremisesUserPrincipalName', 1)] });
    const byEmail = await signIn(serial);
    assert.equal(byEmail.user.id, grace);
    assert.equal(byEmail.binding.userProperty, 'onPremisesUserPrincipalName');
  });
});

describe('CA scopes', () => {
  it('AADSTS500189 when the issuing CA is scoped to targets that do not hold the user', async () => {
    await patchPolicy({ certificateAuthorityScopes: [{ subjectKeyIdentifier: issuingSki, includeTargets: [{ id: '00000000-0000-4000-8000-0000000000aa', targetType: 'group' }] }] });
    const typed = await signIn(alice, 'alice@contoso.test');
    assert.equal(typed.error.errorCode, 500189);
    assert.equal((await signIn(alice)).error.errorCode, 500189);
    await patchPolicy({ certificateAuthorityScopes: [{ subjectKeyIdentifier: issuingSki, includeTargets: [{ id: users.alice, targetType: 'user' }] }] });
    assert.equal((await signIn(alice)).succeeded, true);
  });
});

describe('requests', () => {
  it('refuses an empty or non-string userPrincipalName with 400', async () => {
    for (const userPrincipalName of ['', 7, null]) {
      const res = await t.request('POST', VERIFY, { body: { certificate: alice.base64, userPrincipalName } });
      assert.equal(res.status, 400, JSON.stringify(userPrincipalName));
      assert.equal(res.body.error.code, 'Request_BadRequest');
    }
  });
});
