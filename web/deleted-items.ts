// Deleted PKIs and CAs (the directory's deletedItems), newest first, each with Restore and a
// permanent delete.
import type { Api } from './api.ts';
import { byId, h, replaceRows, whileBusy } from './dom.ts';
import { formatUtc } from './format.ts';
import { paths, type CertificateAuthority, type Pki } from './graph-types.ts';
import { reportFailure, showStatus } from './messages.ts';
import { pkiName } from './pki-list.ts';

interface DeletedRow {
  readonly id: string;
  readonly name: string;
  readonly kind: 'PKI' | 'CA';
  readonly deletedDateTime: string | null;
}

export class DeletedItems {
  constructor(
    private readonly api: Api,
    /** A restore or purge happened: the PKI list (and open PKI) may need reloading. */
    private readonly changed: () => Promise<void>,
  ) {}

  async load(): Promise<void> {
    const query = '?$top=999&$orderby=deletedDateTime desc';
    const [pkis, cas] = await Promise.all([
      this.api.getAll<Pki>(`${paths.deletedPkis}${query}&$select=id,displayName,deletedDateTime`),
      this.api.getAll<CertificateAuthority>(`${paths.deletedCas}${query}&$select=id,displayName,thumbprint,deletedDateTime`),
    ]);
    const rows: DeletedRow[] = [
      ...pkis.map((p) => ({ id: p.id, name: pkiName(p), kind: 'PKI' as const, deletedDateTime: p.deletedDateTime })),
      ...cas.map((c) => ({ id: c.id, name: c.displayName ?? c.thumbprint, kind: 'CA' as const, deletedDateTime: c.deletedDateTime })),
    ].sort((a, b) => (b.deletedDateTime ?? '').localeCompare(a.deletedDateTime ?? ''));
    this.render(rows);
  }

  private render(rows: readonly DeletedRow[]): void {
    const elements = rows.map((item) => {
      const row: HTMLTableRowElement = h(
        'tr',
        { attrs: { 'data-id': item.id } },
        h('td', null, item.name),
        h('td', null, item.kind),
        h('td', null, formatUtc(item.deletedDateTime)),
        h(
          'td',
          null,
          h('button', { attrs: { type: 'button', 'data-action': 'restore', 'aria-label': `Restore ${item.kind} ${item.name}` }, onClick: () => this.restore(item, row) }, 'Restore'),
          h(
            'button',
            { className: 'danger', attrs: { type: 'button', 'data-action': 'purge', 'aria-label': `Delete ${item.kind} ${item.name} permanently` }, onClick: () => this.purge(item, row) },
            'Delete permanently',
          ),
        ),
      );
      return row;
    });
    replaceRows(byId('deleted-rows', HTMLTableSectionElement), elements);
    byId('deleted-empty', HTMLElement).hidden = rows.length > 0;
  }

  /**
   * Runs a row's action with the row's buttons off (a double click sends one request); the focus then goes to
   * the same button of the row now in its place, or to the section's heading when none is left.
   */
  private act(row: HTMLTableRowElement, what: string, action: () => Promise<void>): void {
    void reportFailure(what, () => whileBusy(row, action, byId('deleted-heading', HTMLElement)));
  }

  private restore(item: DeletedRow, row: HTMLTableRowElement): void {
    this.act(row, `Could not restore the ${item.kind} ${item.name}`, async () => {
      await this.api.post(paths.restore(item.id));
      showStatus(`Restored the ${item.kind} ${item.name}.`);
      await Promise.all([this.load(), this.changed()]);
    });
  }

  private purge(item: DeletedRow, row: HTMLTableRowElement): void {
    if (!confirm(`Delete the ${item.kind} "${item.name}" permanently? This cannot be undone.`)) return;
    this.act(row, `Could not delete the ${item.kind} ${item.name}`, async () => {
      await this.api.delete(paths.deletedItem(item.id));
      showStatus(`Deleted the ${item.kind} ${item.name} permanently.`);
      await this.load();
    });
  }
}
