// What the admin page tests ask of a page beyond Playwright's locators: where the focus is (and waiting
// for it to come back after a request), and how many requests an action made the page send.
import assert from 'node:assert/strict';
import type { Page, Request } from 'playwright-core';

/** What has the focus: its id, else its aria-label, else its text; 'body' when the focus was lost. */
export const FOCUSED = `(() => {
  const a = document.activeElement;
  if (!a || a === document.body) return 'body';
  return a.id || a.getAttribute('aria-label') || a.textContent?.trim() || a.tagName;
})()`;

/** The focus comes back when the request ends: waits for `expected` to have it, then says what has it. */
export async function assertFocusSettles(page: Page, expected: string): Promise<void> {
  // Polled with evaluate rather than waitForFunction, whose string predicate the page's CSP (no
  // 'unsafe-eval') refuses in some Chromium builds, such as the one @sparticuz/chromium ships.
  for (const deadline = Date.now() + 3000; Date.now() < deadline && (await page.evaluate(FOCUSED)) !== expected; ) await page.waitForTimeout(50);
  assert.equal(await page.evaluate(FOCUSED), expected);
}

/** Runs `action` and counts the requests the page sent meanwhile with this method to a path matching `pathPattern`. */
export async function countPageRequests(page: Page, method: string, pathPattern: RegExp, action: () => Promise<void>): Promise<number> {
  let count = 0;
  const seen = (request: Request) => {
    if (request.method() === method && pathPattern.test(new URL(request.url()).pathname)) count++;
  };
  page.on('request', seen);
  try {
    await action();
  } finally {
    page.off('request', seen);
  }
  return count;
}
