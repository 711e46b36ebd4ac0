// Editing one CA of the open PKI: its CRL URL, delta CRL URL and issuer hints, in a form under the CA
// table (one PATCH with the three values). The focus goes to the form's first field when it opens, and
// back to the CA's Edit button when it is saved or cancelled (Escape cancels).
import type { Api } from './api.ts';
import { byId } from './dom.ts';
import { paths, type CertificateAuthority } from './graph-types.ts';
import { onSubmit, showStatus } from './messages.ts';

export class CaEditor {
  private editing: { readonly pkiId: string; readonly ca: CertificateAuthority } | null = null;

  constructor(
    private readonly api: Api,
    /** The CA was saved: read the table again. */
    private readonly saved: () => Promise<void>,
  ) {
    const form = byId('edit-ca-form', HTMLFormElement);
    onSubmit(form, () => `Could not save the CA ${this.name()}`, () => this.save());
    byId('edit-ca-cancel', HTMLButtonElement).addEventListener('click', () => this.close(true));
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.close(true);
    });
  }

  open(pkiId: string, ca: CertificateAuthority): void {
    if (this.editing) this.markRow(this.editing.ca.id, false);
    this.editing = { pkiId, ca };
    this.markRow(ca.id, true);
    byId('edit-ca-name', HTMLElement).textContent = ca.displayName ?? ca.thumbprint;
    byId('edit-ca-crl-url', HTMLInputElement).value = ca.certificateRevocationListUrl ?? '';
    byId('edit-ca-delta-crl-url', HTMLInputElement).value = ca.deltaCertificateRevocationListUrl ?? '';
    byId('edit-ca-issuer-hint', HTMLInputElement).checked = ca.isIssuerHintEnabled;
    byId('edit-ca-form', HTMLFormElement).hidden = false;
    byId('edit-ca-crl-url', HTMLInputElement).focus();
  }

  /** Hides the form; `returnFocus`: to the CA's Edit button (or the CA heading when its row is gone). */
  close(returnFocus: boolean): void {
    const id = this.editing?.ca.id;
    if (id !== undefined) this.markRow(id, false);
    this.editing = null;
    byId('edit-ca-form', HTMLFormElement).hidden = true;
    if (returnFocus && id !== undefined) this.focusEditButton(id);
  }

  /** The table was read again: a CA no longer in it (deleted elsewhere) cannot be edited. */
  tableChanged(cas: readonly CertificateAuthority[]): void {
    if (this.editing && !cas.some((ca) => ca.id === this.editing?.ca.id)) this.close(false);
    else if (this.editing) this.markRow(this.editing.ca.id, true);
  }

  /** The row being edited is highlighted, and its Edit button says the form is open (aria-expanded). */
  private markRow(id: string, editing: boolean): void {
    const row = byId('ca-rows', HTMLTableSectionElement).querySelector<HTMLTableRowElement>(`tr[data-id="${CSS.escape(id)}"]`);
    row?.classList.toggle('selected', editing);
    row?.querySelector('[data-action="edit"]')?.setAttribute('aria-expanded', String(editing));
  }

  private name(): string {
    return this.editing?.ca.displayName ?? this.editing?.ca.thumbprint ?? 'CA';
  }

  private async save(): Promise<void> {
    const editing = this.editing;
    if (!editing) return;
    const crl = byId('edit-ca-crl-url', HTMLInputElement).value.trim() || null;
    const delta = byId('edit-ca-delta-crl-url', HTMLInputElement).value.trim() || null;
    const hints = byId('edit-ca-issuer-hint', HTMLInputElement).checked;
    // The server refuses a delta without a base too; saying it here names the fix.
    if (delta && !crl) throw new Error('a delta CRL URL needs a CRL URL: the delta CRL only lists what changed since that base CRL');
    await this.api.patch(paths.ca(editing.pkiId, editing.ca.id), {
      certificateRevocationListUrl: crl,
      deltaCertificateRevocationListUrl: delta,
      isIssuerHintEnabled: hints,
    });
    const name = editing.ca.displayName ?? editing.ca.thumbprint;
    showStatus(`Saved the CA ${name}: CRL URL ${crl ?? 'none'}, delta CRL URL ${delta ?? 'none'}, issuer hints ${hints ? 'on' : 'off'}.`);
    if (this.editing === editing) this.close(false);
    await this.saved();
    this.focusEditButton(editing.ca.id);
  }

  private focusEditButton(id: string): void {
    const button = byId('ca-rows', HTMLTableSectionElement).querySelector<HTMLElement>(`tr[data-id="${CSS.escape(id)}"] [data-action="edit"]`);
    // The focus was in the form, now hidden: it goes to the row's button, or the heading when the row is gone.
    (button ?? byId('cas-heading', HTMLElement)).focus();
  }
}
