// Conformance of the path validation engine on the x509-limbo vectors (208 cases). Prints right /
// false accepts / false rejects / skipped; requires no false accept outside the webpki:: (CA/B Forum
// server profile) namespace and at least 185 right. OpenSSL 3.0 gets 146 right with 18 false accepts.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { skipUnlessFileExists } from '../helpers/test-inputs.ts';
import { type CaseResult, LIMBO, runLimbo } from './limbo-runner.ts';

it('x509-limbo: no false accepts outside webpki::, at least 185 of 208 right', { skip: skipUnlessFileExists(LIMBO, import.meta.url) }, async () => {
  const results: CaseResult[] = await runLimbo();
  const count = (outcome: CaseResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
  const falseAccepts = results.filter((r) => r.outcome === 'false_accept');
  for (const r of results.filter((x) => x.outcome !== 'right')) console.log(`# limbo ${r.outcome} ${r.id}: ${r.detail}`);
  console.log(`# limbo: right ${count('right')}, false accepts ${count('false_accept')}, false rejects ${count('false_reject')}, skipped ${count('skipped')} of ${results.length}`);
  assert.equal(results.length, 208);
  assert.deepEqual(falseAccepts.filter((r) => !r.id.startsWith('webpki::')).map((r) => r.id), []);
  assert.ok(count('right') >= 185, `only ${count('right')} right`);
});
