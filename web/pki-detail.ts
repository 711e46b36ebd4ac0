// One PKI opened: its status (watched live while an upload runs), rename, delete, its CAs (edited with
// CaEditor), adding a CA from a file, adding the CAs of a local bundle and starting an upload.
import { ApiError, SessionEndedError, type Api } from './api.ts';
import { readFile, sha256Hex } from './certificates.ts';
import { CaEditor } from './ca-editor.ts';
import { addCasFromFile, addCertificates, clearCas, loadCas, renderCas } from './ca-table.ts';
import { crlHealthFailed, fillCrlHealthCell, loadCrlHealth, refreshCrlHealth } from './crl-health.ts';
import { certificatesOfBundleFile } from './pkcs7.ts';
import { byId, focusIfLost, whileBusy } from './dom.ts';
import { paths, type CertificateAuthority, type Pki } from './graph-types.ts';
import { onSubmit, reportFailure, showError, showStatus } from './messages.ts';
import { pkiName, statusBadge, typedName } from './pki-list.ts';

/** How often the open PKI is read again while its upload runs. */
const POLL_INTERVAL_MS = 1000;
/** The longest wait between reads after failed ones (the wait doubles with each failure). */
const MAX_POLL_INTERVAL_MS = 30_000;

export interface DetailHooks {
  /** The PKI changed (status, name): show it in the list. */
  updated(pki: Pki): void;
  /** Something was deleted or the list needs reloading. */
  changed(): Promise<void>;
}

export class PkiDetail {
  private pki: Pki | null = null;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  /** Reads of the status that failed in a row, for the back-off. */
  private pollFailures = 0;
  private readonly editor: CaEditor;

  constructor(
    private readonly api: Api,
    private readonly hooks: DetailHooks,
  ) {
    this.editor = new CaEditor(api, () => this.reloadCas());
    this.wireForms();
  }

  get openId(): string | null {
    return this.pki?.id ?? null;
  }

  async open(pki: Pki): Promise<void> {
    this.stopPolling();
    this.pollFailures = 0;
    this.pki = pki;
    this.show(pki);
    this.editor.close(false);
    // No row of the PKI shown before stays under this one's name (its buttons would act on that PKI).
    clearCas('Reading the certificate authorities…');
    byId('pki-detail', HTMLElement).hidden = false;
    byId('rename-input', HTMLInputElement).value = pki.displayName ?? '';
    byId('pki-detail-heading', HTMLElement).focus();
    if (pki.status === 'running') this.schedulePoll();
    await this.reloadCas();
  }

  /** Reads the open PKI's CAs again (after a CA was restored from deleted items, say). */
  async refresh(): Promise<void> {
    await this.reloadCas();
  }

  close(): void {
    this.stopPolling();
    this.editor.close(false);
    this.pki = null;
    byId('pki-detail', HTMLElement).hidden = true;
  }

  private show(pki: Pki): void {
    byId('pki-detail-name', HTMLElement).textContent = pkiName(pki);
    byId('pki-detail-status', HTMLElement).replaceChildren(statusBadge(pki.status));
    byId('pki-detail-status-details', HTMLElement).textContent = pki.statusDetails ?? '';
  }

  private async reloadCas(): Promise<void> {
    const pki = this.pki;
    if (!pki) return;
    let cas: CertificateAuthority[];
    try {
      cas = await loadCas(this.api, pki.id);
    } catch (error) {
      if (this.pki?.id !== pki.id) return;
      if (error instanceof ApiError && error.status === 404) throw this.closeGone(pki);
      clearCas('The certificate authorities could not be read.');
      throw error;
    }
    if (this.pki?.id === pki.id) {
      renderCas(cas, {
        edit: (ca) => this.editor.open(pki.id, ca),
        setIssuerHint: (ca, on, row) => this.setIssuerHint(ca, on, row),
        delete: (ca, row) => this.deleteCa(ca, row),
      });
      this.editor.tableChanged(cas);
      void this.showCrlHealth(pki.id, cas);
    }
  }

  /** Fills the CRL health column once it is read; rows drawn since for another PKI are left alone. */
  private async showCrlHealth(pkiId: string, cas: readonly CertificateAuthority[]): Promise<void> {
    const cells = () => cas.map((ca) => ({ ca, cell: document.querySelector<HTMLElement>(`td[data-crl-health="${CSS.escape(ca.id)}"]`) }));
    try {
      const health = await loadCrlHealth(this.api, pkiId);
      if (this.pki?.id !== pkiId) return;
      for (const { ca, cell } of cells()) if (cell) fillCrlHealthCell(cell, health.get(ca.id), ca.displayName ?? ca.thumbprint, () => this.refreshCrl(ca, cell));
    } catch (error) {
      if (this.pki?.id !== pkiId || error instanceof SessionEndedError) return;
      for (const { cell } of cells()) if (cell) crlHealthFailed(cell, error);
    }
  }

  /** Downloads the CA's CRLs again now and shows what was found in its cell. */
  private refreshCrl(ca: CertificateAuthority, cell: HTMLElement): void {
    const name = ca.displayName ?? ca.thumbprint;
    void reportFailure('Could not check the CRLs again', () =>
      whileBusy(
        cell,
        async () => {
          const entries = await refreshCrlHealth(this.api, ca.id);
          fillCrlHealthCell(cell, entries, name, () => this.refreshCrl(ca, cell));
          showStatus(`Checked the CRLs of ${name}: ${entries.map((e) => `${e.kind} ${e.status}`).join(', ')}.`);
          cell.querySelector<HTMLElement>('button[data-action="refresh-crl"]')?.focus();
        },
        byId('cas-heading', HTMLElement),
      ),
    );
  }

  /** The open PKI is gone (404: deleted in another tab or by a script): closes it, reads the list again, says why. */
  private closeGone(pki: Pki): Error {
    this.close();
    focusIfLost(byId('pkis-heading', HTMLElement));
    void reportFailure('Could not list the PKIs', () => this.hooks.changed());
    return new Error(`the PKI ${pkiName(pki)} no longer exists (deleted elsewhere?); it is closed and the list is read again`);
  }

  private schedulePoll(): void {
    this.stopPolling();
    // After failed reads the wait doubles (2, 4 … 30 s), rather than the same error every second.
    const delay = Math.min(POLL_INTERVAL_MS * 2 ** this.pollFailures, MAX_POLL_INTERVAL_MS);
    this.pollTimer = setTimeout(() => void this.poll(), delay);
  }

  private stopPolling(): void {
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** Reads the PKI again; keeps going while its status is running, then shows how the upload ended. */
  private async poll(): Promise<void> {
    const open = this.pki;
    if (!open) return;
    const id = open.id;
    let pki: Pki;
    try {
      pki = await this.api.get<Pki>(paths.pki(id));
    } catch (error) {
      if (this.pki?.id !== id || error instanceof SessionEndedError) return;
      if (error instanceof ApiError && error.status === 404) {
        showError('Stopped watching the upload', this.closeGone(open));
        return;
      }
      showError('Could not read the PKI status', error);
      // A refused token or a missing permission does not get better by asking again.
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return;
      this.pollFailures++;
      this.schedulePoll();
      return;
    }
    if (this.pki?.id !== id) return;
    this.pollFailures = 0;
    this.pki = pki;
    this.show(pki);
    this.hooks.updated(pki);
    if (pki.status === 'running') {
      this.schedulePoll();
      return;
    }
    // statusDetails says what happened ("Upload failed: …"), so it is shown as it is, after the PKI's name.
    if (pki.status === 'failed') showError(`PKI ${pkiName(pki)}`, new Error(pki.statusDetails ?? 'the upload failed; the server gave no details'));
    else showStatus(pki.statusDetails ?? `Upload ${pki.status}.`);
    await reportFailure('Could not list the certificate authorities', () => this.reloadCas());
  }

  private wireForms(): void {
    onSubmit(byId('rename-form', HTMLFormElement), 'Could not rename the PKI', async () => {
      const pki = this.pki;
      if (!pki) return;
      const renamed = await this.api.patch<Pki>(paths.pki(pki.id), { displayName: typedName(byId('rename-input', HTMLInputElement)) });
      this.pki = renamed;
      this.show(renamed);
      this.hooks.updated(renamed);
      showStatus(`Renamed the PKI to ${pkiName(renamed)}.`);
    });

    const deleteButton = byId('delete-pki', HTMLButtonElement);
    deleteButton.addEventListener('click', () => {
      const pki = this.pki;
      if (!pki || !confirm(`Delete the PKI "${pkiName(pki)}" and its certificate authorities? It can be restored from Deleted items.`)) return;
      void reportFailure('Could not delete the PKI', () =>
        whileBusy(
          deleteButton,
          async () => {
            await this.api.delete(paths.pki(pki.id));
            this.close();
            showStatus(`Deleted the PKI ${pkiName(pki)}; it is listed under Deleted items.`);
            await this.hooks.changed();
          },
          byId('pkis-heading', HTMLElement),
        ),
      );
    });

    const addForm = byId('add-ca-form', HTMLFormElement);
    const caFile = () => byId('ca-file', HTMLInputElement).files?.[0];
    onSubmit(addForm, () => `Could not add every CA from ${caFile()?.name ?? 'the file'}`, async () => {
      const pki = this.pki;
      const file = caFile();
      if (!pki || !file) return;
      const crlUrl = byId('ca-crl-url', HTMLInputElement).value.trim();
      const deltaUrl = byId('ca-delta-crl-url', HTMLInputElement).value.trim();
      const isIssuerHintEnabled = byId('ca-issuer-hint', HTMLInputElement).checked;
      try {
        showStatus(
          await addCasFromFile(this.api, pki.id, await readFile(file), {
            certificateRevocationListUrl: crlUrl || null,
            deltaCertificateRevocationListUrl: deltaUrl || null,
            isIssuerHintEnabled,
          }),
        );
        addForm.reset();
      } finally {
        await this.reloadCas();
      }
    });

    const bundleForm = byId('local-bundle-form', HTMLFormElement);
    const bundleFile = () => byId('local-bundle-file', HTMLInputElement).files?.[0];
    onSubmit(bundleForm, () => `Could not add every CA of ${bundleFile()?.name ?? 'the bundle'}`, async () => {
      const pki = this.pki;
      const file = bundleFile();
      if (!pki || !file) return;
      const certificates = certificatesOfBundleFile(await readFile(file));
      if (certificates.length === 0) throw new Error('the bundle holds no certificate');
      const progress = byId('local-bundle-progress', HTMLProgressElement);
      progress.max = certificates.length;
      progress.value = 0;
      progress.hidden = false;
      try {
        const options = { certificateRevocationListUrl: null, deltaCertificateRevocationListUrl: null, isIssuerHintEnabled: false, skipDuplicates: true };
        const summary = await addCertificates(this.api, pki.id, certificates, options, (done) => (progress.value = done));
        showStatus(`${file.name}: ${summary}`);
        bundleForm.reset();
      } finally {
        progress.hidden = true;
        await this.reloadCas();
      }
    });

    byId('upload-hash-file', HTMLInputElement).addEventListener('change', (event) => {
      const file = (event.target as HTMLInputElement).files?.[0];
      if (!file) return;
      void reportFailure(`Could not hash ${file.name}`, async () => {
        byId('upload-hash', HTMLInputElement).value = await sha256Hex(await readFile(file));
        showStatus(`SHA-256 of ${file.name} computed.`);
      });
    });

    onSubmit(byId('upload-form', HTMLFormElement), 'Could not start the upload', async () => {
      const pki = this.pki;
      if (!pki) return;
      const uploadUrl = byId('upload-url', HTMLInputElement).value.trim();
      const sha256FileHash = byId('upload-hash', HTMLInputElement).value.trim();
      await this.api.post(paths.upload(pki.id), { uploadUrl, sha256FileHash });
      showStatus('Upload started; its status below updates every second.');
      this.pollFailures = 0;
      await this.poll();
    });
  }

  /** `row`'s buttons are off until the table is read again, which brings the focus to the new row's toggle. */
  private setIssuerHint(ca: CertificateAuthority, enabled: boolean, row: HTMLElement): void {
    const pkiId = this.pki?.id;
    if (!pkiId) return;
    void reportFailure('Could not change issuer hints', () =>
      whileBusy(
        row,
        async () => {
          await this.api.patch(paths.ca(pkiId, ca.id), { isIssuerHintEnabled: enabled });
          showStatus(`Issuer hints ${enabled ? 'on' : 'off'} for ${ca.displayName ?? ca.thumbprint}.`);
          await this.reloadCas();
        },
        byId('cas-heading', HTMLElement),
      ),
    );
  }

  private deleteCa(ca: CertificateAuthority, row: HTMLElement): void {
    const pkiId = this.pki?.id;
    const name = ca.displayName ?? ca.thumbprint;
    if (!pkiId || !confirm(`Delete the CA "${name}"? It can be restored from Deleted items.`)) return;
    void reportFailure('Could not delete the CA', () =>
      whileBusy(
        row,
        async () => {
          await this.api.delete(paths.ca(pkiId, ca.id));
          showStatus(`Deleted the CA ${name}.`);
          await this.reloadCas();
          await this.hooks.changed();
        },
        byId('cas-heading', HTMLElement),
      ),
    );
  }
}
