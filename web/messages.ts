// The two message lines under the header: a polite status line (role=status) and an error line
// (role=alert), both read out by screen readers when they change. Their bar stays at the top of the window
// (app.css), so a message is in view wherever on the page the user acted.
import { describeError, SessionEndedError } from './api.ts';
import { byId, whileBusy } from './dom.ts';

export function showStatus(text: string): void {
  byId('error', HTMLElement).textContent = '';
  byId('status', HTMLElement).textContent = text;
}

export function showError(what: string, error: unknown): void {
  // The sign-in form already says why the session ended; "Could not …" would only hide that.
  if (error instanceof SessionEndedError) return;
  byId('status', HTMLElement).textContent = '';
  byId('error', HTMLElement).textContent = `${what}: ${describeError(error)}`;
}

export function clearMessages(): void {
  byId('status', HTMLElement).textContent = '';
  byId('error', HTMLElement).textContent = '';
}

/** Runs an action, reporting its failure in the error line instead of throwing. */
export async function reportFailure(what: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    showError(what, error);
  }
}

/**
 * Handles a form's submit: no page load, its buttons disabled while `action` runs, and a failure shown
 * as "`what`: the reason" (`what` may depend on the form's contents, e.g. a file name).
 */
export function onSubmit(form: HTMLFormElement, what: string | (() => string), action: () => Promise<void>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void reportFailure(typeof what === 'string' ? what : what(), () => whileBusy(form, action));
  });
}
