// Runs NIST PKITS (../shared/testdata/pkits, see its SOURCE.md) through `graph-pki verify` with
// `--revocation require --purpose any`: the 214 tests under PKITS's default settings, and the 33
// subtests of sections 4.8, 4.10 and 4.12 that PKITS.pdf defines under other policy settings (the
// SUBTESTS table below, written from PKITS.pdf and checked against pkits.json's `params` wherever both
// give the same settings). The command runs in this process (runVerifyCommand: the code bin/graph-pki
// runs, given its argv); the test spawns the real executable for a few cases.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runVerifyCommand, verifyCommand } from '../../src/cli/verify-command.ts';
import { sharedTestData } from '../helpers/test-inputs.ts';

/** The PKITS files, in the project's shared folder (absent from a bare clone: the test is then skipped). */
export const PKITS = sharedTestData('testdata/pkits/pkits.json');
export const PKITS_DIR = `${path.dirname(PKITS.path)}/`;
const CERTS = `${PKITS_DIR}certs/`;
const CRLS = `${PKITS_DIR}crls/`;

/** Inside the validity of every PKITS certificate and CRL that is meant to be valid. */
export const PKITS_VALIDATION_TIME = '2026-01-01T00:00:00Z';

const POLICY = (n: number) => `2.16.840.1.101.3.2.1.48.${n}`;

/** The four RFC 5280 §6.1.1 inputs PKITS varies; absent = PKITS's default (any-policy, all false). */
export interface PolicySettings {
  readonly initialPolicies?: readonly string[];
  readonly requireExplicitPolicy?: boolean;
  readonly inhibitPolicyMapping?: boolean;
  readonly inhibitAnyPolicy?: boolean;
}

export interface PkitsCase {
  /** PKITS numbering: '4.4.3' for a test under default settings, '4.8.1.2' for a subtest. */
  readonly id: string;
  /** '4.4' */
  readonly section: string;
  readonly name: string;
  readonly leaf: string;
  readonly intermediates: readonly string[];
  readonly crls: readonly string[];
  readonly settings: PolicySettings;
  readonly expectAccept: boolean;
}

interface JsonEntry {
  id: string;
  name: string;
  cert: string;
  other_certs?: string[];
  crls?: string[];
  params?: { user_initial_policy_set?: string[]; initial_explicit_policy?: boolean; initial_policy_mapping_inhibit?: boolean; initial_any_policy_inhibit?: boolean };
  error?: unknown;
}

/** Numbered tests PKITS.pdf defines only under settings other than the defaults. */
const OTHER_SETTINGS_ONLY = new Set(['4.8.1', '4.8.13', '4.8.14', '4.8.18', '4.8.20', '4.10.1', '4.10.3', '4.10.5', '4.10.6', '4.10.12']);

/** PKITS.pdf's subtests under other settings: [subtest, settings, the path validates]. */
const SUBTESTS: ReadonlyArray<readonly [string, PolicySettings, boolean]> = [
  ['4.8.1.1', { requireExplicitPolicy: true }, true],
  ['4.8.1.2', { initialPolicies: [POLICY(1)], requireExplicitPolicy: true }, true],
  ['4.8.1.3', { initialPolicies: [POLICY(2)], requireExplicitPolicy: true }, false],
  ['4.8.1.4', { initialPolicies: [POLICY(1), POLICY(2)], requireExplicitPolicy: true }, true],
  ['4.8.2.2', { requireExplicitPolicy: true }, false],
  ['4.8.3.2', { requireExplicitPolicy: true }, false],
  ['4.8.3.3', { initialPolicies: [POLICY(1), POLICY(2)], requireExplicitPolicy: true }, false],
  ['4.8.6.2', { initialPolicies: [POLICY(1)] }, true],
  ['4.8.6.3', { initialPolicies: [POLICY(2)] }, false],
  ['4.8.10.2', { initialPolicies: [POLICY(1)] }, true],
  ['4.8.10.3', { initialPolicies: [POLICY(2)] }, true],
  ['4.8.11.2', { initialPolicies: [POLICY(1)] }, true],
  ['4.8.13.1', { initialPolicies: [POLICY(1)] }, true],
  ['4.8.13.2', { initialPolicies: [POLICY(2)] }, true],
  ['4.8.13.3', { initialPolicies: [POLICY(3)] }, true],
  ['4.8.14.1', { initialPolicies: [POLICY(1)] }, true],
  ['4.8.14.2', { initialPolicies: [POLICY(2)] }, false],
  ['4.8.18.1', { initialPolicies: [POLICY(1)] }, true],
  ['4.8.18.2', { initialPolicies: [POLICY(2)] }, true],
  ['4.8.20.1', { initialPolicies: [POLICY(1)], requireExplicitPolicy: true }, true],
  ['4.10.1.1', { initialPolicies: [POLICY(1)] }, true],
  ['4.10.1.2', { initialPolicies: [POLICY(2)] }, false],
  ['4.10.1.3', { inhibitPolicyMapping: true }, false],
  ['4.10.2.2', { inhibitPolicyMapping: true }, false],
  ['4.10.3.1', { initialPolicies: [POLICY(1)] }, false],
  ['4.10.3.2', { initialPolicies: [POLICY(2)] }, true],
  ['4.10.5.1', { initialPolicies: [POLICY(1)] }, true],
  ['4.10.5.2', { initialPolicies: [POLICY(6)] }, false],
  ['4.10.6.1', { initialPolicies: [POLICY(1)] }, true],
  ['4.10.6.2', { initialPolicies: [POLICY(6)] }, false],
  ['4.10.12.1', { initialPolicies: [POLICY(1)] }, true],
  ['4.10.12.2', { initialPolicies: [POLICY(2)] }, true],
  ['4.12.3.2', { inhibitAnyPolicy: true }, false],
];

/** 4.8.20 is not in the json files; its material, from PKITS.pdf. */
const CPS_POINTER_TEST20: JsonEntry = { id: '40820', name: 'cps_pointer_qualifier_test20', cert: 'CPSPointerQualifierTest20EE.crt', other_certs: ['GoodCACert.crt'], crls: ['GoodCACRL.crl'] };

/** '40818' → '4.8.18'. The user-notice file lists Test19 under 40818. */
function testIdOf(entry: JsonEntry): string {
  const id = entry.name === 'user_notice_qualifier_test19' ? '40819' : entry.id;
  return `${id[0]}.${Number(id.slice(1, 3))}.${Number(id.slice(3))}`;
}

function settingsOf(entry: JsonEntry): PolicySettings {
  const p = entry.params ?? {};
  return {
    ...(p.user_initial_policy_set ? { initialPolicies: p.user_initial_policy_set } : {}),
    ...(p.initial_explicit_policy ? { requireExplicitPolicy: true } : {}),
    ...(p.initial_policy_mapping_inhibit ? { inhibitPolicyMapping: true } : {}),
    ...(p.initial_any_policy_inhibit ? { inhibitAnyPolicy: true } : {}),
  };
}

function sameSettings(a: PolicySettings, b: PolicySettings): boolean {
  const key = (s: PolicySettings) => JSON.stringify([[...(s.initialPolicies ?? [])].sort(), !!s.requireExplicitPolicy, !!s.inhibitPolicyMapping, !!s.inhibitAnyPolicy]);
  return key(a) === key(b);
}

/** The 214 + 33 cases. Throws when the table and pkits.json disagree on a subtest they both define. */
export function pkitsCases(): PkitsCase[] {
  const entries = [
    ...(JSON.parse(readFileSync(`${PKITS_DIR}pkits.json`, 'utf8')) as JsonEntry[]),
    ...(JSON.parse(readFileSync(`${PKITS_DIR}pkits-user-notice.json`, 'utf8')) as JsonEntry[]),
    CPS_POINTER_TEST20,
  ];
  const caseOf = (id: string, entry: JsonEntry, settings: PolicySettings, expectAccept: boolean): PkitsCase => ({
    id,
    section: id.split('.').slice(0, 2).join('.'),
    name: entry.name,
    leaf: entry.cert,
    intermediates: entry.other_certs ?? [],
    crls: entry.crls ?? [],
    settings,
    expectAccept,
  });
  const cases: PkitsCase[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = testIdOf(entry);
    if (OTHER_SETTINGS_ONLY.has(id) || entry.params || seen.has(id)) continue;
    seen.add(id);
    cases.push(caseOf(id, entry, {}, entry.error === undefined));
  }
  for (const [subtest, settings, expectAccept] of SUBTESTS) {
    const testId = subtest.split('.').slice(0, 3).join('.');
    const material = entries.find((e) => testIdOf(e) === testId);
    if (!material) throw new Error(`PKITS ${subtest}: no material for test ${testId}`);
    for (const entry of entries.filter((e) => testIdOf(e) === testId && sameSettings(settingsOf(e), settings))) {
      if ((entry.error === undefined) !== expectAccept) throw new Error(`PKITS ${subtest}: the table and pkits.json (${entry.name}) disagree`);
    }
    cases.push(caseOf(subtest, material, settings, expectAccept));
  }
  return cases;
}

/** not_run: the case needs a policy option `graph-pki verify` does not have yet (a miss, never right). */
export type PkitsOutcome = 'right' | 'false_accept' | 'false_reject' | 'not_run';

export interface PkitsResult {
  readonly case: PkitsCase;
  readonly outcome: PkitsOutcome;
  /** The verdict line (or why the case could not be run as asked). */
  readonly detail: string;
}

/** Options of `graph-pki verify` the case's settings need but the command does not have yet. */
export function missingFlags(settings: PolicySettings): string[] {
  const known = new Set(verifyCommand().options.map((o) => o.long));
  return policyArgs(settings).filter((a) => a.startsWith('--') && !known.has(a));
}

function policyArgs(settings: PolicySettings): string[] {
  return [
    ...(settings.initialPolicies ?? []).flatMap((oid) => ['--initial-policy', oid]),
    ...(settings.requireExplicitPolicy ? ['--require-explicit-policy'] : []),
    ...(settings.inhibitPolicyMapping ? ['--inhibit-policy-mapping'] : []),
    ...(settings.inhibitAnyPolicy ? ['--inhibit-any-policy'] : []),
  ];
}

/** The argv of `graph-pki verify` (after `verify`) for a case. */
export function verifyArgs(c: PkitsCase): string[] {
  return [
    `${CERTS}${c.leaf}`,
    '--trust', `${CERTS}TrustAnchorRootCertificate.crt`,
    ...c.intermediates.flatMap((file) => ['--intermediates', `${CERTS}${file}`]),
    '--crl', `${CRLS}TrustAnchorRootCRL.crl`,
    ...c.crls.flatMap((file) => ['--crl', `${CRLS}${file}`]),
    '--revocation', 'require',
    '--purpose', 'any',
    '--at', PKITS_VALIDATION_TIME,
    ...policyArgs(c.settings),
  ];
}

/** Classifies an exit code: 0 accepted, anything else (1 not trusted, 2 unreadable input) rejected. */
export function resultOf(c: PkitsCase, code: number, detail: string): PkitsResult {
  const accepted = code === 0;
  const outcome: PkitsOutcome = accepted === c.expectAccept ? 'right' : accepted ? 'false_accept' : 'false_reject';
  return { case: c, outcome, detail };
}

/** Runs one case in-process. A case whose settings need a flag the command lacks counts as rejected. */
export async function runPkitsCase(c: PkitsCase): Promise<PkitsResult> {
  const missing = missingFlags(c.settings);
  if (missing.length > 0) return { case: c, outcome: 'not_run', detail: `not run: graph-pki verify has no ${[...new Set(missing)].join(', ')}` };
  let out = '';
  let err = '';
  const code = await runVerifyCommand(verifyArgs(c), { out: (t) => (out += t), err: (t) => (err += t) });
  return resultOf(c, code, (out.split('\n')[0] || err.trim()).slice(0, 300));
}

export async function runPkits(): Promise<PkitsResult[]> {
  const results: PkitsResult[] = [];
  for (const c of pkitsCases()) results.push(await runPkitsCase(c));
  return results;
}

export const SECTION_NAMES: Readonly<Record<string, string>> = {
  '4.1': 'signature verification',
  '4.2': 'validity periods',
  '4.3': 'name chaining',
  '4.4': 'basic certificate revocation',
  '4.5': 'self-issued certificates',
  '4.6': 'basic constraints',
  '4.7': 'key usage',
  '4.8': 'certificate policies',
  '4.9': 'require explicit policy',
  '4.10': 'policy mappings',
  '4.11': 'inhibit policy mapping',
  '4.12': 'inhibit anyPolicy',
  '4.13': 'name constraints',
  '4.14': 'distribution points',
  '4.15': 'delta CRLs',
  '4.16': 'private certificate extensions',
};

/** One line per section and a total: right / false accepts / false rejects, default settings and subtests apart. */
export function sectionTable(results: readonly PkitsResult[]): string[] {
  const sections = [...new Set(results.map((r) => r.case.section))].sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  const row = (label: string, list: readonly PkitsResult[]) => {
    const n = (o: PkitsOutcome) => list.filter((r) => r.outcome === o).length;
    const notRun = n('not_run') > 0 ? `  not run ${n('not_run')}` : '';
    return `${label.padEnd(42)} right ${String(n('right')).padStart(3)}/${String(list.length).padEnd(3)} false accepts ${n('false_accept')}  false rejects ${n('false_reject')}${notRun}`;
  };
  const isSubtest = (r: PkitsResult) => r.case.id.split('.').length === 4;
  const lines = sections.map((s) => row(`${s} ${SECTION_NAMES[s] ?? ''}`, results.filter((r) => r.case.section === s)));
  lines.push(row('default settings', results.filter((r) => !isSubtest(r))));
  lines.push(row('other settings (4.8, 4.10, 4.12 subtests)', results.filter(isSubtest)));
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const results = await runPkits();
  for (const r of results) if (r.outcome !== 'right') console.log(`${r.outcome.padEnd(13)} ${r.case.id} ${r.case.name}: ${r.detail}`);
  for (const line of sectionTable(results)) console.log(line);
}
