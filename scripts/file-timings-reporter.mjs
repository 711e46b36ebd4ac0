// A node:test reporter that run-tests.mjs adds beside TAP: one JSON line per test file with how long its
// suite ran (each file is a top-level suite of its group, named `<back-end> <file>`), so the summary can
// name the files that cost the run most.
export default async function* fileTimingsReporter(source) {
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      yield `${JSON.stringify({ name: event.data.name, ms: Math.round(event.data.details?.duration_ms ?? 0) })}\n`;
    }
  }
}
