// Launches Chromium through playwright-core for the admin page tests, with the flags of ../shared/STACK.md
// and a fresh profile folder. Which Chromium: GRAPH_PKI_TEST_CHROMIUM if set, else the system's
// (/usr/bin/chromium, Debian's package), else the one the @sparticuz/chromium devDependency ships (a
// compressed build it unpacks into the temp folder on first use), so `npm ci && npm test` needs no system
// browser. None usable: the browser test is skipped and the summary of `npm test` says so (a failure under
// GRAPH_PKI_TEST_REQUIRE_ALL, as in CI). Never `npx playwright install`.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium as playwrightChromium, type BrowserContext, type Page } from 'playwright-core';
import { buildWebBundle, WEB_BUNDLE_DIR } from '../../scripts/web-bundle.mjs';
import { skipUnlessPresent, type TestInput } from './test-inputs.ts';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';
/** A package name in a variable: the type check must not need the package, which an older install may lack. */
const CHROMIUM_PACKAGE = '@sparticuz/chromium';

export const CHROMIUM_INPUT: TestInput = {
  what: `a Chromium (GRAPH_PKI_TEST_CHROMIUM, ${SYSTEM_CHROMIUM}, or the ${CHROMIUM_PACKAGE} devDependency)`,
  howToRun: `run \`npm ci\` (installs ${CHROMIUM_PACKAGE}), or \`sudo apt-get install -y chromium\`, or set GRAPH_PKI_TEST_CHROMIUM to a Chromium or Chrome executable`,
};

/** The Chromium executable to drive, or undefined when there is none (see the file's comment for the order). */
export async function findChromium(): Promise<string | undefined> {
  const configured = process.env.GRAPH_PKI_TEST_CHROMIUM;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`GRAPH_PKI_TEST_CHROMIUM=${configured} does not exist`);
    return configured;
  }
  if (existsSync(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  let packaged: { default: { executablePath(): Promise<string> } };
  try {
    packaged = (await import(CHROMIUM_PACKAGE)) as typeof packaged;
  } catch {
    return undefined;
  }
  return packaged.default.executablePath();
}

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

/** The `skip` option of a browser suite: false when a Chromium is found, else why not (see test-inputs.ts). */
export async function skipUnlessChromium(suiteUrl: string): Promise<string | false> {
  return skipUnlessPresent(CHROMIUM_INPUT, (await findChromium()) !== undefined, suiteUrl);
}

/** Starts Chromium (the one findChromium picks, unless given) with a fresh profile. */
export async function launchChromium(chromium?: string): Promise<TestBrowser> {
  const executablePath = chromium ?? (await findChromium());
  if (executablePath === undefined) throw new Error(`no Chromium to run: ${CHROMIUM_INPUT.howToRun}`);
  const profile = await mkdtemp(path.join(tmpdir(), 'graph-pki-chromium-'));
  const context = await playwrightChromium.launchPersistentContext(profile, {
    executablePath,
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
