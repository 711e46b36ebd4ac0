// Inputs a fresh clone may lack: the conformance data in ../shared (the project's shared folder, not part
// of the repository), a Chromium for the browser test. A suite whose input is absent is skipped, never
// failed, and says so: its skip reason names what is missing and how to run it, and `npm test`
// (scripts/run-tests.mjs) lists every such suite in its closing summary. With GRAPH_PKI_TEST_REQUIRE_ALL=1
// (set by .ci/run) nothing may be skipped: a missing input fails the suite instead.
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Something a suite needs from outside the repository. */
export interface TestInput {
  /** What is missing, e.g. "the x509-limbo vectors (/…/shared/testdata/x509-limbo/limbo.json)". */
  readonly what: string;
  /** How to provide it, so the suite runs. */
  readonly howToRun: string;
}

/** Set by .ci/run: every suite must run, so a missing input is a failure. */
export const EVERY_SUITE_REQUIRED = process.env.GRAPH_PKI_TEST_REQUIRE_ALL === '1';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The project's shared folder (../shared beside the clone) or GRAPH_PKI_TEST_SHARED_DIR. */
export const SHARED_DIR = path.resolve(process.env.GRAPH_PKI_TEST_SHARED_DIR ?? path.join(REPOSITORY_ROOT, '..', 'shared'));

/** A file or folder of the shared conformance data, e.g. `testdata/x509-limbo/limbo.json`, and how to get it. */
export function sharedTestData(relativePath: string): TestInput & { readonly path: string } {
  const file = path.join(SHARED_DIR, relativePath);
  return {
    path: file,
    what: `${relativePath} of the project's shared folder (looked for at ${file})`,
    howToRun:
      "put the project's shared folder beside this clone as ../shared (or set GRAPH_PKI_TEST_SHARED_DIR to it) and run `npm test` again",
  };
}

/**
 * The `skip` option of a suite that needs `input`: false when it is present; otherwise the reason, which
 * is also recorded for the closing summary of `npm test`. When every suite is required, a missing input
 * throws instead, failing the test file with the same words.
 *
 *   describe('x509-limbo', { skip: skipUnlessPresent(LIMBO, existsSync(LIMBO.path), import.meta.url) }, () => …)
 */
export function skipUnlessPresent(input: TestInput, present: boolean, suiteUrl: string): string | false {
  if (present) return false;
  const suite = path.relative(REPOSITORY_ROOT, fileURLToPath(suiteUrl));
  const reason = `${input.what} is missing; to run ${suite}: ${input.howToRun}`;
  if (EVERY_SUITE_REQUIRED) throw new Error(`${reason} (GRAPH_PKI_TEST_REQUIRE_ALL=1 makes every suite mandatory)`);
  const log = process.env.GRAPH_PKI_TEST_SKIP_LOG;
  if (log) appendFileSync(log, `${JSON.stringify({ suite, what: input.what, howToRun: input.howToRun })}\n`);
  return `not run: ${reason}`;
}

/** skipUnlessPresent for a file or folder that must exist. */
export function skipUnlessFileExists(input: TestInput & { readonly path: string }, suiteUrl: string): string | false {
  return skipUnlessPresent(input, existsSync(input.path), suiteUrl);
}
