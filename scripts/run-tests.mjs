// Runs every test/**/*.test.ts file with node's test runner (Node 20's --test does not expand globs).
// Extra arguments are passed through, e.g. `npm test -- --test-name-pattern=upload`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(full);
      return entry.name.endsWith('.test.ts') ? [full] : [];
    })
    .sort();
}

const args = process.argv.slice(2);
const files = args.some((a) => a.endsWith('.test.ts')) ? [] : testFiles('test');
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...args, ...files], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
