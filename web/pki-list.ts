// The PKI table: every PKI of the tenant with its status, and the create form above it.
import type { Api } from './api.ts';
import { byId, h, replaceRows } from './dom.ts';
import { formatUtc } from './format.ts';
import { paths, type Pki } from './graph-types.ts';

export function statusBadge(status: string): HTMLElement {
  return h('span', { className: `badge ${status}` }, status);
}

/** The PKI's name for people; an empty one (or only spaces, as other clients may send) is "(no name)". */
export function pkiName(pki: Pki): string {
  return pki.displayName?.trim() ? pki.displayName : '(no name)';
}

/** The name typed in `input`, trimmed; a name of only spaces is refused, with the focus put back there. */
export function typedName(input: HTMLInputElement): string {
  const name = input.value.trim();
  if (name) return name;
  input.focus();
  throw new Error('the display name is empty or only spaces; type a name');
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
        { className: pki.id === this.selectedId ? 'selected' : '', attrs: { 'data-id': pki.id } },
        h('td', null, name),
        h('td', null, statusBadge(pki.status)),
        h('td', { className: 'free-text' }, pki.statusDetails ?? ''),
        h('td', null, formatUtc(pki.lastModifiedDateTime)),
        h('td', null, h('button', { attrs: { type: 'button', 'data-action': 'open', 'aria-label': `Open PKI ${name}` }, onClick: () => this.onOpen(pki) }, 'Open')),
      );
    });
    // Re-rendered every second while an upload runs: a focused Open button keeps the focus.
    replaceRows(byId('pki-rows', HTMLTableSectionElement), rows);
    byId('pki-empty', HTMLElement).hidden = this.pkis.length > 0;
  }
}
