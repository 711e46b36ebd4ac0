// SDK calls that must fail: what they rejected with, for the test to inspect (SDK error types differ).
import assert from 'node:assert/strict';

/** Runs `action`, which must reject, and returns what it rejected with. */
export async function rejection(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  assert.fail('expected the SDK call to reject');
}
