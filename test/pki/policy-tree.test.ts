// RFC 5280 §6.1 certificate policy processing (src/pki/policy-tree.ts) through validatePath on generated
// chains: the four user inputs, policyMappings (and anyPolicy refused in them), inhibitPolicyMapping,
// requireExplicitPolicy and inhibitAnyPolicy whatever their criticality, the valid policy set handed
// back on the path, and the node budget that keeps a mapping explosion from burning CPU.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCertificate } from '../../src/pki/certificate.ts';
import { DEFAULT_VALIDATION_LIMITS, type ValidationOptions, ValidationFailure, type ValidPath, validatePath } from '../../src/pki/path-validation.ts';
import { POLICY_TREE_NODE_LIMIT } from '../../src/pki/policy-tree.ts';
import { createCa, createLeaf, derTlv, type CertOptions, type TestCert, x509 } from '../helpers/certs.ts';
import { oidDer } from '../helpers/crl-der.ts';

const ANY = '2.5.29.32.0';
const P1 = '1.3.6.1.4.1.55555.7.1';
const P2 = '1.3.6.1.4.1.55555.7.2';
const P3 = '1.3.6.1.4.1.55555.7.3';
const OID = { policyMappings: '2.5.29.33', policyConstraints: '2.5.29.36', inhibitAnyPolicy: '2.5.29.54' } as const;

function policyMappings(...pairs: [string, string][]): x509.Extension {
  return new x509.Extension(OID.policyMappings, true, derTlv(0x30, ...pairs.map(([from, to]) => derTlv(0x30, oidDer(from), oidDer(to)))));
}

function policyConstraints(fields: { requireExplicitPolicy?: number; inhibitPolicyMapping?: number }, critical = true): x509.Extension {
  const parts: Buffer[] = [];
  if (fields.requireExplicitPolicy !== undefined) parts.push(derTlv(0x80, Buffer.from([fields.requireExplicitPolicy])));
  if (fields.inhibitPolicyMapping !== undefined) parts.push(derTlv(0x81, Buffer.from([fields.inhibitPolicyMapping])));
  return new x509.Extension(OID.policyConstraints, critical, derTlv(0x30, ...parts));
}

function inhibitAnyPolicy(skipCerts: number, critical = true): x509.Extension {
  return new x509.Extension(OID.inhibitAnyPolicy, critical, derTlv(0x02, Buffer.from([skipCerts])));
}

let counter = 0;

/** root → CA → leaf; the root's own policies never matter (it is the trust anchor, an input). */
async function chain(ca: Partial<CertOptions>, leaf: Partial<CertOptions>): Promise<{ root: TestCert; ca: TestCert; leaf: TestCert }> {
  const name = `Policy ${++counter}`;
  const root = await createCa({ subject: `CN=${name} Root` });
  const issuing = await createCa({ subject: `CN=${name} CA`, issuer: root, ...ca });
  const end = await createLeaf({ subject: `CN=${name} User`, issuer: issuing, ...leaf });
  return { root, ca: issuing, leaf: end };
}

type PolicyOptions = Pick<ValidationOptions<null>, 'initialPolicySet' | 'requireExplicitPolicy' | 'inhibitPolicyMapping' | 'inhibitAnyPolicy'>;

async function validate(material: { root: TestCert; leaf: TestCert; intermediates: TestCert[] }, policy: PolicyOptions = {}): Promise<ValidPath<null> | ValidationFailure> {
  try {
    return await validatePath(parseCertificate(material.leaf.der), [{ certificate: parseCertificate(material.root.der), meta: null }], material.intermediates.map((c) => parseCertificate(c.der)), {
      validationTime: new Date(),
      purpose: 'any',
      ...DEFAULT_VALIDATION_LIMITS,
      signaturePolicy: { allowSha1: false },
      ...policy,
    });
  } catch (error) {
    if (error instanceof ValidationFailure) return error;
    throw error;
  }
}

async function policiesOf(c: { root: TestCert; ca: TestCert; leaf: TestCert }, policy: PolicyOptions = {}): Promise<readonly string[]> {
  const outcome = await validate({ root: c.root, leaf: c.leaf, intermediates: [c.ca] }, policy);
  if (outcome instanceof ValidationFailure) assert.fail(`expected a valid path, got ${outcome.reason}: ${outcome.message}`);
  return [...outcome.policies].sort();
}

async function failureOf(c: { root: TestCert; ca: TestCert; leaf: TestCert }, policy: PolicyOptions = {}): Promise<ValidationFailure> {
  const outcome = await validate({ root: c.root, leaf: c.leaf, intermediates: [c.ca] }, policy);
  assert.ok(outcome instanceof ValidationFailure, `expected a failure, the path is valid for ${JSON.stringify(!(outcome instanceof ValidationFailure) && outcome.policies)}`);
  return outcome;
}

describe('the valid policy set and the initial policy set', () => {
  it('the path carries the policies both CA and leaf assert; anyPolicy in the CA stands for the leaf’s', async () => {
    assert.deepEqual(await policiesOf(await chain({ certificatePolicies: [P1, P2] }, { certificatePolicies: [P1, P3] })), [P1]);
    assert.deepEqual(await policiesOf(await chain({ certificatePolicies: [ANY] }, { certificatePolicies: [P3] })), [P3]);
    assert.deepEqual(await policiesOf(await chain({ certificatePolicies: [ANY] }, { certificatePolicies: [ANY] })), [ANY]);
    assert.deepEqual(await policiesOf(await chain({}, { certificatePolicies: [P1] })), [], 'a CA without policies leaves none');
  });

  it('the initial policy set narrows the result; with an explicit policy required an empty result fails', async () => {
    const c = await chain({ certificatePolicies: [P1, P2] }, { certificatePolicies: [P1, P2] });
    assert.deepEqual(await policiesOf(c, { initialPolicySet: [P2, P3] }), [P2]);
    assert.deepEqual(await policiesOf(c, { initialPolicySet: [P3] }), [], 'without an explicit policy the path stays valid');
    assert.equal((await failureOf(c, { initialPolicySet: [P3], requireExplicitPolicy: true })).reason, 'policy_violation');
    assert.deepEqual(await policiesOf(c, { initialPolicySet: [P1], requireExplicitPolicy: true }), [P1]);
  });

  it('an anyPolicy leaf under an anyPolicy CA is valid for each policy of the initial set', async () => {
    const c = await chain({ certificatePolicies: [ANY] }, { certificatePolicies: [ANY] });
    assert.deepEqual(await policiesOf(c, { initialPolicySet: [P1, P2], requireExplicitPolicy: true }), [P1, P2]);
  });

  it('requireExplicitPolicy input: a leaf without certificatePolicies fails', async () => {
    const c = await chain({ certificatePolicies: [P1] }, {});
    assert.deepEqual(await policiesOf(c), []);
    const failure = await failureOf(c, { requireExplicitPolicy: true });
    assert.equal(failure.reason, 'policy_violation');
    assert.equal(failure.depth, 0);
  });
});

describe('policy mappings', () => {
  it('a CA mapping P1 to P2 makes a P2 leaf valid for P1 (the anchor’s domain)', async () => {
    const c = await chain({ certificatePolicies: [P1], extraExtensions: [policyMappings([P1, P2])] }, { certificatePolicies: [P2] });
    assert.deepEqual(await policiesOf(c), [P1]);
    assert.deepEqual(await policiesOf(c, { initialPolicySet: [P1], requireExplicitPolicy: true }), [P1]);
    assert.equal((await failureOf(c, { initialPolicySet: [P2], requireExplicitPolicy: true })).reason, 'policy_violation');
  });

  it('inhibitPolicyMapping input: the mapping is not followed', async () => {
    const c = await chain({ certificatePolicies: [P1], extraExtensions: [policyMappings([P1, P2])] }, { certificatePolicies: [P2] });
    assert.deepEqual(await policiesOf(c, { inhibitPolicyMapping: true }), []);
    assert.equal((await failureOf(c, { inhibitPolicyMapping: true, requireExplicitPolicy: true })).reason, 'policy_violation');
  });

  it('inhibitPolicyMapping in a CA’s policyConstraints (non-critical too) stops mappings below it', async () => {
    for (const critical of [true, false]) {
      const name = `Inhibit ${++counter}`;
      const root = await createCa({ subject: `CN=${name} Root` });
      const top = await createCa({ subject: `CN=${name} Top`, issuer: root, certificatePolicies: [P1], extraExtensions: [policyConstraints({ requireExplicitPolicy: 0, inhibitPolicyMapping: 0 }, critical)] });
      const mapper = await createCa({ subject: `CN=${name} Mapper`, issuer: top, certificatePolicies: [P1], extraExtensions: [policyMappings([P1, P2])] });
      const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: mapper, certificatePolicies: [P2] });
      const outcome = await validate({ root, leaf, intermediates: [top, mapper] });
      assert.ok(outcome instanceof ValidationFailure && outcome.reason === 'policy_violation', `critical=${critical}: ${outcome instanceof ValidationFailure ? outcome.message : 'valid'}`);
    }
  });

  it('anyPolicy in a mapping is refused', async () => {
    const c = await chain({ certificatePolicies: [ANY], extraExtensions: [policyMappings([ANY, P2])] }, { certificatePolicies: [P2] });
    const failure = await failureOf(c);
    assert.equal(failure.reason, 'policy_violation');
    assert.match(failure.message, /anyPolicy/);
  });
});

describe('policyConstraints and inhibitAnyPolicy whatever their criticality', () => {
  it('a non-critical requireExplicitPolicy (with certificatePolicies) is acted on', async () => {
    const c = await chain({ certificatePolicies: [P1], extraExtensions: [policyConstraints({ requireExplicitPolicy: 0 }, false)] }, { certificatePolicies: [P2] });
    assert.equal((await failureOf(c)).reason, 'policy_violation');
    const ok = await chain({ certificatePolicies: [P1], extraExtensions: [policyConstraints({ requireExplicitPolicy: 0 }, false)] }, { certificatePolicies: [P1] });
    assert.deepEqual(await policiesOf(ok), [P1]);
  });

  it('inhibitAnyPolicy (extension, critical or not, and input) stops anyPolicy in a CA below standing for every policy', async () => {
    for (const critical of [true, false]) {
      const name = `Inhibit any ${++counter}`;
      const root = await createCa({ subject: `CN=${name} Root` });
      const top = await createCa({ subject: `CN=${name} Top`, issuer: root, certificatePolicies: [ANY], extraExtensions: [inhibitAnyPolicy(0, critical), policyConstraints({ requireExplicitPolicy: 0 })] });
      const sub = await createCa({ subject: `CN=${name} Sub`, issuer: top, certificatePolicies: [ANY] });
      const leaf = await createLeaf({ subject: `CN=${name} User`, issuer: sub, certificatePolicies: [P1] });
      const outcome = await validate({ root, leaf, intermediates: [top, sub] });
      assert.ok(outcome instanceof ValidationFailure && outcome.reason === 'policy_violation', `critical=${critical}`);
      assert.equal(outcome.depth, 1, 'the sub-CA’s anyPolicy no longer counts');
    }
    const c = await chain({ certificatePolicies: [ANY] }, { certificatePolicies: [P1] });
    assert.deepEqual(await policiesOf(c), [P1]);
    assert.deepEqual(await policiesOf(c, { inhibitAnyPolicy: true }), []);
    assert.equal((await failureOf(c, { inhibitAnyPolicy: true, requireExplicitPolicy: true })).reason, 'policy_violation');
  });
});

describe('hostile policy trees', () => {
  it('a mapping explosion (every policy mapped to every policy, path after path) fails closed, fast', async () => {
    const policies = Array.from({ length: 12 }, (_, i) => `1.3.6.1.4.1.55555.9.${i}`);
    const mappings = policies.flatMap((from) => policies.map((to) => [from, to] as [string, string]));
    const name = `Explosion ${++counter}`;
    const root = await createCa({ subject: `CN=${name} Root` });
    const cas: TestCert[] = [];
    let issuer = root;
    for (let i = 0; i < 6; i++) {
      issuer = await createCa({ subject: `CN=${name} CA ${i}`, issuer, certificatePolicies: policies, extraExtensions: [policyMappings(...mappings)] });
      cas.push(issuer);
    }
    const leaf = await createLeaf({ subject: `CN=${name} User`, issuer, certificatePolicies: policies });
    const started = performance.now();
    const outcome = await validate({ root, leaf, intermediates: cas });
    const ms = performance.now() - started;
    assert.ok(outcome instanceof ValidationFailure, 'a tree of 12^6 nodes is not built');
    assert.equal(outcome.reason, 'budget_exceeded');
    assert.match(outcome.message, new RegExp(`${POLICY_TREE_NODE_LIMIT}`));
    assert.ok(ms < 1_500, `took ${ms.toFixed(0)} ms`);
  });
});
