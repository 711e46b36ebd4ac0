// Builds the admin web page (web/) into dist/web: app.ts bundled by esbuild for current browsers,
// app.css, index.html and the icon copied. Every file is written to a temporary name and renamed into
// place, so a server reading dist/web while a build runs never sees half a file.
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const WEB_SOURCE_DIR = path.join(ROOT, 'web');
export const WEB_BUNDLE_DIR = path.join(ROOT, 'dist', 'web');
const COPIED = ['index.html', 'favicon.svg'];

export async function buildWebBundle(outDir = WEB_BUNDLE_DIR) {
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(WEB_SOURCE_DIR, 'app.ts'), path.join(WEB_SOURCE_DIR, 'app.css')],
    outdir: outDir,
    bundle: true,
    format: 'esm',
    target: ['chrome109', 'firefox115', 'safari16'],
    write: false,
    logLevel: 'warning',
  });
  const suffix = `.${process.pid}.${Date.now()}.tmp`;
  const writes = result.outputFiles.map(async (file) => {
    await writeFile(file.path + suffix, file.contents);
    await rename(file.path + suffix, file.path);
  });
  const copies = COPIED.map(async (name) => {
    const target = path.join(outDir, name);
    await copyFile(path.join(WEB_SOURCE_DIR, name), target + suffix);
    await rename(target + suffix, target);
  });
  await Promise.all([...writes, ...copies]);
  return outDir;
}
