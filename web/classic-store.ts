// The classic store (organization certificateBasedAuthConfiguration): its CAs, and the action that copies
// them into a PKI (POST graph-pki/v1/migrate-classic, as `graph-pki migrate-classic` does), with the report
// of what it did per CA. A token without Organization.Read.All sees why the section is empty.
import { type Api, ApiError } from './api.ts';
import { byId, h, replaceRows, safeLink } from './dom.ts';
import { onSubmit, showStatus } from './messages.ts';

interface ClassicCa {
  readonly certificateRevocationListUrl: string | null;
  readonly deltaCertificateRevocationListUrl: string | null;
  readonly isRootAuthority: boolean;
  readonly issuer: string;
  readonly issuerSki: string;
}

interface ClassicConfiguration {
  readonly id: string;
  readonly certificateAuthorities: readonly ClassicCa[];
}

interface MigrationReport {
  readonly dryRun: boolean;
  readonly publicKeyInfrastructure: { readonly id: string | null; readonly displayName: string | null; readonly created: boolean };
  readonly certificateAuthorities: readonly {
    readonly thumbprint: string;
    readonly issuer: string;
    readonly action: 'created' | 'alreadyPresent' | 'skipped';
    readonly reason: string | null;
  }[];
  readonly classicStoreDeleted: boolean;
  readonly classicStoreKeptBecause: string | null;
}

const ACTION_TEXT = { created: 'Created', alreadyPresent: 'Already present', skipped: 'Skipped' } as const;

export class ClassicStore {
  constructor(
    private readonly api: Api,
    /** A migration wrote: the PKI list may need reloading. */
    private readonly changed: () => Promise<void>,
  ) {
    onSubmit(byId('migrate-classic-form', HTMLFormElement), 'Could not copy the classic store into a PKI', () => this.migrate());
  }

  async load(): Promise<void> {
    const hint = byId('classic-hint', HTMLElement);
    let configurations: ClassicConfiguration[];
    try {
      const organization = await this.api.get<{ value: { id: string }[] }>('v1.0/organization');
      const id = organization.value[0]?.id ?? '';
      configurations = (await this.api.get<{ value: ClassicConfiguration[] }>(`v1.0/organization/${encodeURIComponent(id)}/certificateBasedAuthConfiguration`)).value;
    } catch (error) {
      // Not the token's business: the rest of the page works without this section.
      if (!(error instanceof ApiError) || error.status !== 403) throw error;
      this.render([]);
      hint.textContent = 'This token may not read the classic store: it needs Organization.Read.All (and, to copy it into a PKI, Organization.Read.All with PublicKeyInfrastructure.ReadWrite.All).';
      hint.hidden = false;
      return;
    }
    hint.hidden = true;
    this.render(configurations[0]?.certificateAuthorities ?? []);
  }

  private render(cas: readonly ClassicCa[]): void {
    const rows = cas.map((ca) =>
      h(
        'tr',
        null,
        h('td', null, ca.isRootAuthority ? 'root' : 'intermediate'),
        h('td', null, ca.issuer),
        h('td', { className: 'mono' }, ca.issuerSki),
        h('td', null, ...[ca.certificateRevocationListUrl, ca.deltaCertificateRevocationListUrl].filter((url): url is string => url !== null).map((url) => h('div', null, safeLink(url)))),
      ),
    );
    replaceRows(byId('classic-rows', HTMLTableSectionElement), rows);
    byId('classic-empty', HTMLElement).hidden = cas.length > 0;
    byId('migrate-classic-form', HTMLFormElement).hidden = cas.length === 0;
  }

  private async migrate(): Promise<void> {
    const name = byId('migrate-classic-pki-name', HTMLInputElement).value.trim();
    const dryRun = byId('migrate-classic-dry-run', HTMLInputElement).checked;
    const deleteClassic = byId('migrate-classic-delete', HTMLInputElement).checked;
    if (deleteClassic && !dryRun && !confirm('Delete the classic store once every one of its CAs is in the PKI? Sign-ins that still use it (CRL URLs that differ) then use the PKI.')) return;
    const report = await this.api.post<MigrationReport>('graph-pki/v1/migrate-classic', { ...(name ? { displayName: name } : {}), dryRun, deleteClassic });
    this.renderReport(report);
    const count = (action: keyof typeof ACTION_TEXT) => report.certificateAuthorities.filter((ca) => ca.action === action).length;
    const pki = `the PKI ${report.publicKeyInfrastructure.displayName ?? report.publicKeyInfrastructure.id ?? ''}`;
    showStatus(
      `${report.dryRun ? 'Dry run: ' : ''}${report.publicKeyInfrastructure.created ? `${report.dryRun ? 'would create' : 'created'} ${pki}` : `into ${pki}`}: ` +
        `${count('created')} created, ${count('alreadyPresent')} already present, ${count('skipped')} skipped; ` +
        (report.classicStoreDeleted ? 'the classic store was deleted.' : `the classic store was kept${report.classicStoreKeptBecause ? ` (${report.classicStoreKeptBecause})` : ''}.`),
    );
    if (!report.dryRun) await Promise.all([this.load(), this.changed()]);
  }

  private renderReport(report: MigrationReport): void {
    const rows = report.certificateAuthorities.map((ca) =>
      h(
        'tr',
        null,
        h('td', null, report.dryRun && ca.action === 'created' ? 'Would create' : ACTION_TEXT[ca.action]),
        h('td', null, ca.issuer),
        h('td', { className: 'mono' }, ca.thumbprint),
        h('td', null, ca.reason ?? ''),
      ),
    );
    replaceRows(byId('migrate-classic-rows', HTMLTableSectionElement), rows);
    byId('migrate-classic-report', HTMLElement).hidden = false;
  }
}
