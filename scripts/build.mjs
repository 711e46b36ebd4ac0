// Bundles the CLI (and everything it imports) into dist/ with esbuild; node_modules stay external so the
// native better-sqlite3 addon loads from its package. Runs from `npm ci` (prepare) and before `npm test`.
// Also builds the admin web page (web/) into dist/web.
import { build } from 'esbuild';
import { buildWebBundle } from './web-bundle.mjs';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});

await buildWebBundle();
