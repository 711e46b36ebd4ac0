// Entra's username binding compare rules (spec cba-setup-and-signin §5.2) on plain user records: which
// user property a binding reads, and when a certificate's value ties it to a user.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UserBindingCandidate } from '../../src/service/verification/policy-evaluation.ts';
import { type BindableUser, bindingValueFor, boundProperty, inPriorityOrder, sameCertificateUserId } from '../../src/service/verification/user-binding.ts';

const bob: BindableUser = {
  id: '11111111-1111-4111-8111-111111111111',
  userPrincipalName: 'Bob@contoso.com',
  onPremisesUserPrincipalName: 'bob@corp.contoso.com',
  mail: 'robert@contoso.com',
  displayName: 'Bob',
  accountEnabled: true,
  certificateUserIds: ['X509:<SKI>ab01cd', 'X509:<PN>bob.smartcard@contoso.com', 'bare value'],
};

function candidate(field: UserBindingCandidate['x509CertificateField'], userProperty: string, values: string[], priority = 1): UserBindingCandidate {
  return { priority, x509CertificateField: field, userProperty, affinity: 'low', values, usable: values.length > 0 };
}

describe('bindingValueFor', () => {
  it('compares a SAN UPN with userPrincipalName and onPremisesUserPrincipalName ignoring case', () => {
    assert.equal(bindingValueFor(candidate('PrincipalName', 'userPrincipalName', ['X509:<PN>other@contoso.com', 'X509:<PN>bob@CONTOSO.com']), bob), 'X509:<PN>bob@CONTOSO.com');
    assert.equal(bindingValueFor(candidate('PrincipalName', 'onPremisesUserPrincipalName', ['X509:<PN>bob@corp.contoso.com']), bob), 'X509:<PN>bob@corp.contoso.com');
    assert.equal(bindingValueFor(candidate('PrincipalName', 'onPremisesUserPrincipalName', ['X509:<PN>Bob@contoso.com']), bob), null);
    assert.equal(bindingValueFor(candidate('RFC822Name', 'userPrincipalName', ['X509:<RFC822>bob@contoso.com']), bob), 'X509:<RFC822>bob@contoso.com');
  });

  it('finds the prefixed value in certificateUserIds (hex ignoring case), and never a bare stored value', () => {
    assert.equal(bindingValueFor(candidate('SubjectKeyIdentifier', 'certificateUserIds', ['X509:<SKI>AB01CD']), bob), 'X509:<SKI>AB01CD');
    assert.equal(bindingValueFor(candidate('PrincipalName', 'certificateUserIds', ['X509:<PN>bob.smartcard@contoso.com']), bob), 'X509:<PN>bob.smartcard@contoso.com');
    assert.equal(bindingValueFor(candidate('PrincipalName', 'certificateUserIds', ['X509:<PN>Bob@contoso.com']), bob), null);
    assert.equal(bindingValueFor(candidate('Subject', 'certificateUserIds', ['X509:<S>bare value']), bob), null);
  });

  it('binds the other fields to certificateUserIds only, and nothing through a field the certificate lacks', () => {
    assert.equal(bindingValueFor(candidate('Subject', 'userPrincipalName', ['X509:<S>CN=Bob@contoso.com']), bob), null);
    assert.equal(bindingValueFor(candidate('PrincipalName', 'userPrincipalName', []), bob), null);
  });

  it("reads beta's stale email property as mail", () => {
    assert.equal(boundProperty('email'), 'mail');
    assert.equal(bindingValueFor(candidate('RFC822Name', 'email', ['X509:<RFC822>Robert@contoso.com']), bob), 'X509:<RFC822>Robert@contoso.com');
    assert.equal(boundProperty('displayName'), null);
  });

  it('orders bindings by priority, lowest number first', () => {
    const ordered = inPriorityOrder([candidate('Subject', 'certificateUserIds', [], 7), candidate('PrincipalName', 'userPrincipalName', [], 0), candidate('RFC822Name', 'userPrincipalName', [], 3)]);
    assert.deepEqual(ordered.map((c) => c.priority), [0, 3, 7]);
  });
});

describe('sameCertificateUserId', () => {
  const serial = 'X509:<I>DC=com,DC=contoso,CN=CONTOSO-DC-CA<SR>b24134139f069b49997212a86ba0ef48';

  it('takes the X509 prefix exactly: a lowercase prefix, another tag or a bare value never matches', () => {
    assert.equal(sameCertificateUserId('x509:<PN>bob@contoso.com', 'X509:<PN>bob@contoso.com'), false);
    assert.equal(sameCertificateUserId('X509:<pn>bob@contoso.com', 'X509:<PN>bob@contoso.com'), false);
    assert.equal(sameCertificateUserId('X509:<RFC822>bob@contoso.com', 'X509:<PN>bob@contoso.com'), false);
    assert.equal(sameCertificateUserId('bob@contoso.com', 'X509:<PN>bob@contoso.com'), false);
  });

  it('compares names and hex ignoring case, DNs exactly after trimming', () => {
    assert.equal(sameCertificateUserId('X509:<PN>BOB@contoso.COM', 'X509:<PN>bob@contoso.com'), true);
    assert.equal(sameCertificateUserId('X509:<SKI>ab01', 'X509:<SKI>AB01'), true);
    assert.equal(sameCertificateUserId('X509:<SKI>ab02', 'X509:<SKI>AB01'), false);
    assert.equal(sameCertificateUserId('X509:<S> DC=com,CN=mfatest', 'X509:<S>DC=com,CN=mfatest'), true);
    assert.equal(sameCertificateUserId('X509:<S>DC=com,CN=MFATEST', 'X509:<S>DC=com,CN=mfatest'), false);
  });

  it('accepts the serial in either byte order and case', () => {
    assert.equal(sameCertificateUserId(serial, serial), true);
    assert.equal(sameCertificateUserId('X509:<I>DC=com,DC=contoso,CN=CONTOSO-DC-CA<SR>48EFA06BA8127299499B069F133441B2', serial), true);
    assert.equal(sameCertificateUserId('X509:<I>DC=com,DC=contoso,CN=CONTOSO-DC-CA<SR>48efa06ba8127299499b069f133441b3', serial), false);
    assert.equal(sameCertificateUserId('X509:<I>CN=Other CA<SR>48efa06ba8127299499b069f133441b2', serial), false);
  });
});
