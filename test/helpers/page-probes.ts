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

/**
 * The focus comes back when the request ends: waits up to 3 s for `expected` to have it, then says what has
 * it. Polled from here with page.evaluate, not page.waitForFunction: a string predicate that is not true at
 * once is re-run in the page by evaluating a string, which the page's CSP (no 'unsafe-eval') reports as a
 * script error, failing the tests' check for CSP violations whenever the focus is slow to settle.
 */
export async function assertFocusSettles(page: Page, expected: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while ((await page.evaluate(FOCUSED)) !== expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
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
