// The PKI table: every PKI of the tenant with its status, and the create form above it.
import type { Api } from './api.ts';
import { byId, h } from './dom.ts';
import { formatUtc } from './format.ts';
import { paths, type Pki } from './graph-types.ts';

export function statusBadge(status: string): HTMLElement {
  return h('span', { className: `badge ${status}` }, status);
}

export function pkiName(pki: Pki): string {
  return pki.displayName ?? '(no name)';
}

export class PkiList {
  private pkis: Pki[] = [];
  private selectedId: string | null = null;

  constructor(
    private readonly api: Api,
    private readonly onOpen: (pki: Pki) => void,
  ) {}

  async load(): Promise<void> {
    this.pkis = await this.api.getAll<Pki>(`${paths.pkis}?$top=999&$orderby=displayName`);
    this.render();
  }

  async create(displayName: string): Promise<Pki> {
    const pki = await this.api.post<Pki>(paths.pkis, { displayName });
    await this.load();
    return pki;
  }

  /** Shows a PKI's latest state (from the detail's polling) without reloading the list. */
  update(pki: Pki): void {
    const index = this.pkis.findIndex((p) => p.id === pki.id);
    if (index >= 0) this.pkis[index] = pki;
    this.render();
  }

  select(id: string | null): void {
    this.selectedId = id;
    this.render();
  }

  private render(): void {
    const rows = this.pkis.map((pki) => {
      const name = pkiName(pki);
      return h(
        'tr',
        { className: pki.id === this.selectedId ? 'selected' : '', attrs: { 'data-pki-id': pki.id } },
        h('td', null, name),
        h('td', null, statusBadge(pki.status)),
        h('td', null, pki.statusDetails ?? ''),
        h('td', null, formatUtc(pki.lastModifiedDateTime)),
        h('td', null, h('button', { attrs: { type: 'button', 'aria-label': `Open PKI ${name}` }, onClick: () => this.onOpen(pki) }, 'Open')),
      );
    });
    byId('pki-rows', HTMLTableSectionElement).replaceChildren(...rows);
    byId('pki-empty', HTMLElement).hidden = this.pkis.length > 0;
  }
}
