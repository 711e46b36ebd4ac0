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
  await page.waitForFunction(`${FOCUSED} === ${JSON.stringify(expected)}`, undefined, { timeout: 3000 }).catch(() => undefined);
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
