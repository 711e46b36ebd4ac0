// The body of a test group (scripts/run-tests.mjs writes one entry per group): several test files in one
// process, so the server's module graph is loaded once per group instead of once per file.
//
// Each file runs as one top-level suite named `<back-end> <file>`: what the file declares at its top level
// (tests, suites and before/after/beforeEach hooks, also after a top-level await) belongs to that suite,
// so one file's hooks never run around another's tests, and a failure names its file. The back-end is
// set before any file is imported, because test/helpers/backend.ts reads it when it loads.
import { describe } from 'node:test';

/** @param {'sqlite' | 'postgres'} backend @param {{ name: string, url: string }[]} files */
export async function runTestFilesAsSuites(backend, files) {
  process.env.GRAPH_PKI_TEST_BACKEND = backend;
  for (const { name, url } of files) {
    describe(name, async () => {
      await import(url);
    });
  }
}
