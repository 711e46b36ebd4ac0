// Bundles the CLI and everything it imports, dependencies included, into dist/ with esbuild: dist/cli.js
// and the chunks it loads on demand (dist/chunks/). Bundling makes a command start in a third of the time
// (measured: `--help` 0.9 s instead of 2.8 s, where resolving and reading thousands of small package files
// dominated). Splitting then keeps what only `serve` and database commands need (the server, Fastify,
// Kysely and the drivers) out of the other commands' start: `graph-pki --version` went from 0.40 s to
// 0.13 s of CPU, which every CLI call pays, and the test suite makes hundreds. Stay external: the native
// better-sqlite3 addon (loads its .node file from its package), pg's optional native driver, and pino-pretty
// (loaded only for pretty logs). Bundled CommonJS code calls `require`, which the banner provides (in every
// chunk). Runs from `npm ci` (prepare) and before `npm test`.
// Also builds the admin web page (web/) into dist/web.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';
import { buildWebBundle } from './web-bundle.mjs';

// Chunks of an earlier build would pile up beside the new ones.
await rm('dist/chunks', { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  // Code reached only through import() (the server for `serve`, the database drivers where a database
  // is opened) goes to chunks loaded on demand.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'pg-native', 'pino-pretty'],
  banner: { js: "import { createRequire as __graphPkiCreateRequire } from 'node:module'; const require = __graphPkiCreateRequire(import.meta.url);" },
  sourcemap: true,
  logLevel: 'warning',
});

await buildWebBundle();
