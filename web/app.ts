// The admin page's entry point: sign-in with a pasted or local dev token, then the PKIs, the open PKI,
// deleted items, the classic store (and its copy into a PKI) and certificate verification, all through the
// same server's API.
import { Api, ApiError } from './api.ts';
import { ClassicStore } from './classic-store.ts';
import { DeletedItems } from './deleted-items.ts';
import { byId, whileBusy } from './dom.ts';
import { clearMessages, onSubmit, reportFailure, showError, showStatus } from './messages.ts';
import { PkiDetail } from './pki-detail.ts';
import { PkiList, pkiName, typedName } from './pki-list.ts';
import { currentToken, describeToken, devTokenOffered, fetchDevToken, forgetToken, normaliseToken, storeToken } from './session.ts';
import { wireVerifyPanel } from './verify-panel.ts';

const api = new Api(currentToken, tokenRefused);

const list = new PkiList(api, (pki) => {
  list.select(pki.id);
  void reportFailure(`Could not open the PKI ${pkiName(pki)}`, () => detail.open(pki));
});
const deleted = new DeletedItems(api, async () => {
  await Promise.all([list.load(), detail.refresh()]);
});
const classic = new ClassicStore(api, () => list.load());
const detail = new PkiDetail(api, {
  updated: (pki) => list.update(pki),
  changed: async () => {
    list.select(detail.openId);
    await Promise.all([list.load(), deleted.load()]);
  },
});

/** Shows the workspace for the stored token, or the sign-in form when the token is refused. */
async function enterWorkspace(): Promise<void> {
  const token = currentToken();
  if (!token) return;
  try {
    await Promise.all([list.load(), deleted.load(), classic.load()]);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      // Refused: forget it, but leave the pasted text to correct, with the focus on it.
      forgetToken();
      byId('token-input', HTMLTextAreaElement).focus();
    }
    throw error;
  }
  byId('sign-in', HTMLElement).hidden = true;
  byId('workspace', HTMLElement).hidden = false;
  const who = byId('signed-in-as', HTMLElement);
  who.textContent = describeToken(token);
  who.hidden = false;
  byId('sign-out', HTMLButtonElement).hidden = false;
  byId('new-pki-name', HTMLInputElement).focus();
}

function signOut(): void {
  forgetToken();
  detail.close();
  list.select(null);
  byId('workspace', HTMLElement).hidden = true;
  byId('sign-in', HTMLElement).hidden = false;
  byId('signed-in-as', HTMLElement).hidden = true;
  byId('sign-out', HTMLButtonElement).hidden = true;
  byId('token-input', HTMLTextAreaElement).value = '';
  byId('verdict', HTMLElement).replaceChildren();
}

/**
 * A 401 for the session's token (expired or revoked meanwhile): back to the sign-in form, saying so, instead
 * of a workspace where every action fails. While signing in the sign-in form reports the refusal itself;
 * answers of an earlier session's requests are dropped.
 */
function tokenRefused(token: string, error: ApiError): boolean {
  if (token !== currentToken()) return true;
  if (byId('workspace', HTMLElement).hidden) return false;
  signOut();
  showError('Signed out: the server refused the token (it may have expired); sign in again with a new one', error);
  byId('token-input', HTMLTextAreaElement).focus();
  return true;
}

function wireSignIn(): void {
  const form = byId('token-form', HTMLFormElement);
  onSubmit(form, 'Could not sign in', async () => {
    storeToken(normaliseToken(byId('token-input', HTMLTextAreaElement).value));
    await enterWorkspace();
    showStatus('Signed in.');
  });

  byId('dev-token', HTMLButtonElement).addEventListener('click', () => {
    void reportFailure('Could not get a local dev token', () =>
      whileBusy(form, async () => {
        storeToken(await fetchDevToken(api));
        await enterWorkspace();
        showStatus('Signed in with a local dev token.');
      }),
    );
  });

  byId('sign-out', HTMLButtonElement).addEventListener('click', () => {
    signOut();
    showStatus('Signed out; the token is forgotten.');
    byId('token-input', HTMLTextAreaElement).focus();
  });
}

function wireLists(): void {
  onSubmit(byId('create-pki-form', HTMLFormElement), 'Could not create the PKI', async () => {
    const input = byId('new-pki-name', HTMLInputElement);
    const pki = await list.create(typedName(input));
    input.value = '';
    showStatus(`Created the PKI ${pkiName(pki)}.`);
  });
  byId('refresh-pkis', HTMLButtonElement).addEventListener('click', () => {
    clearMessages();
    void reportFailure('Could not list the PKIs', () => list.load());
  });
  byId('refresh-deleted', HTMLButtonElement).addEventListener('click', () => {
    clearMessages();
    void reportFailure('Could not list deleted items', () => deleted.load());
  });
}

async function start(): Promise<void> {
  wireSignIn();
  wireLists();
  wireVerifyPanel(api);
  const [offered] = await Promise.all([
    devTokenOffered(api),
    currentToken() ? enterWorkspace().catch((error: unknown) => showError('The stored token no longer works', error)) : Promise.resolve(),
  ]);
  byId('dev-token', HTMLButtonElement).hidden = !offered;
  document.body.dataset.ready = 'true';
}

void start();
