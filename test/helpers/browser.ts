// Launches Debian's Chromium through playwright-core for the admin page tests, with the flags of
// ../shared/STACK.md and a fresh profile folder. Chromium missing is a failure, never a skip: CI installs
// it (.ci/run), and a developer gets the command that does.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildWebBundle, WEB_BUNDLE_DIR } from '../../scripts/web-bundle.mjs';

export const CHROMIUM_PATH = process.env.GRAPH_PKI_TEST_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Where the browser tests save their screenshots (git-ignored). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

export interface TestBrowser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The admin page tests need Chromium at ${CHROMIUM_PATH}, which does not exist. Install it with ` +
        '`sudo apt-get install -y chromium` (Debian/Ubuntu; .ci/run does this in CI), or set GRAPH_PKI_TEST_CHROMIUM ' +
        'to a Chromium or Chrome executable. Do not run `npx playwright install`.',
    );
  }
  const profile = await mkdtemp(path.join(tmpdir(), 'graph-pki-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1366, height: 860 },
    timeout: 20_000,
  });
  context.setDefaultTimeout(10_000);
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Builds web/ into dist/web, the folder the server serves, so a test run on its own (without `npm run
 * build`) serves the current sources. The build writes each file atomically: a server that is reading
 * dist/web meanwhile sees the old file or the new one, never half of one.
 */
export async function buildAdminPage(): Promise<string> {
  return buildWebBundle(WEB_BUNDLE_DIR);
}

/** Removes the screenshots an earlier run of the same test saved (names starting with `prefix`). */
export async function clearScreenshots(prefix: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const old = (await readdir(SCREENSHOT_DIR)).filter((name) => name.startsWith(prefix));
  await Promise.all(old.map((name) => rm(path.join(SCREENSHOT_DIR, name), { force: true })));
}
