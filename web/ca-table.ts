// A PKI's certificate authorities: the table (type, expiry with a 30-day warning, CRL URLs, CRL health,
// issuer hints, Edit and Delete) and adding CAs from a PEM, DER or .p7b file, one POST per certificate in the file.
import type { Api } from './api.ts';
import { ApiError, describeError, SessionEndedError } from './api.ts';
import { readCertificateFile } from './certificates.ts';
import { byId, h, replaceRows, safeLink } from './dom.ts';
import { expiryNote, formatUtc } from './format.ts';
import { paths, type CertificateAuthority } from './graph-types.ts';

const CA_PROPERTIES = [
  'id',
  'displayName',
  'certificateAuthorityType',
  'issuer',
  'issuerSubjectKeyIdentifier',
  'expirationDateTime',
  'thumbprint',
  'certificateRevocationListUrl',
  'deltaCertificateRevocationListUrl',
  'isIssuerHintEnabled',
].join(',');

/** What the row buttons do; `row` is the CA's row, whose buttons are off while the request runs. */
export interface CaActions {
  edit(ca: CertificateAuthority, row: HTMLTableRowElement): void;
  setIssuerHint(ca: CertificateAuthority, enabled: boolean, row: HTMLTableRowElement): void;
  delete(ca: CertificateAuthority, row: HTMLTableRowElement): void;
}

export async function loadCas(api: Api, pkiId: string): Promise<CertificateAuthority[]> {
  // $select leaves out the certificates themselves (up to 8 KB each).
  return api.getAll<CertificateAuthority>(`${paths.cas(pkiId)}?$top=999&$orderby=expirationDateTime&$select=${CA_PROPERTIES}`);
}

export function renderCas(cas: readonly CertificateAuthority[], actions: CaActions): void {
  const rows = cas.map((ca) => {
    const name = ca.displayName ?? ca.thumbprint;
    const expiry = expiryNote(ca.expirationDateTime);
    const crlUrls = [ca.certificateRevocationListUrl, ca.deltaCertificateRevocationListUrl].filter((url): url is string => Boolean(url));
    const row: HTMLTableRowElement = h(
      'tr',
      { attrs: { 'data-id': ca.id } },
      h('td', null, name),
      h('td', null, ca.certificateAuthorityType),
      h('td', { className: expiry.level }, formatUtc(ca.expirationDateTime), expiry.text ? h('br', null) : null, expiry.text),
      h('td', { className: 'free-text' }, ca.issuer ?? ''),
      h('td', null, ...(crlUrls.length ? crlUrls.map((url, i) => h('span', null, i === 1 ? 'delta: ' : '', safeLink(url))) : ['none'])),
      h(
        'td',
        null,
        ca.isIssuerHintEnabled ? 'on ' : 'off ',
        h(
          'button',
          {
            attrs: { type: 'button', 'data-action': 'issuer-hint', 'aria-label': `Turn issuer hints ${ca.isIssuerHintEnabled ? 'off' : 'on'} for ${name}` },
            onClick: () => actions.setIssuerHint(ca, !ca.isIssuerHintEnabled, row),
          },
          ca.isIssuerHintEnabled ? 'Turn off' : 'Turn on',
        ),
      ),
      h('td', { className: 'mono' }, ca.thumbprint),
      // Filled in once the CRL health is read (crl-health.ts).
      h('td', { className: 'crl-health', attrs: { 'data-crl-health': ca.id } }, 'checking…'),
      h(
        'td',
        null,
        h(
          'button',
          {
            attrs: { type: 'button', 'data-action': 'edit', 'aria-label': `Edit CRL URLs and issuer hints of ${name}`, 'aria-controls': 'edit-ca-form', 'aria-expanded': 'false' },
            onClick: () => actions.edit(ca, row),
          },
          'Edit',
        ),
        h('button', { className: 'danger', attrs: { type: 'button', 'data-action': 'delete', 'aria-label': `Delete CA ${name}` }, onClick: () => actions.delete(ca, row) }, 'Delete'),
      ),
    );
    return row;
  });
  replaceRows(byId('ca-rows', HTMLTableSectionElement), rows);
  const empty = byId('ca-empty', HTMLElement);
  empty.textContent = 'No certificate authorities in this PKI yet.';
  empty.hidden = cas.length > 0;
}

/** Empties the table, saying why in its place (being read, could not be read). */
export function clearCas(note: string): void {
  byId('ca-rows', HTMLTableSectionElement).replaceChildren();
  const empty = byId('ca-empty', HTMLElement);
  empty.textContent = note;
  empty.hidden = false;
}

export interface AddCaOptions {
  readonly certificateRevocationListUrl: string | null;
  readonly deltaCertificateRevocationListUrl: string | null;
  readonly isIssuerHintEnabled: boolean;
}

/** Adds every certificate of a PEM or DER file; says how many were added and why any was refused. */
export async function addCasFromFile(api: Api, pkiId: string, bytes: Uint8Array, options: AddCaOptions): Promise<string> {
  const file = readCertificateFile(bytes);
  if (file.certificates.length === 0) {
    const others = file.otherBlocks.length ? ` (it holds ${file.otherBlocks.join(', ')})` : '';
    throw new Error(
      `the file has no certificate${others}; a .p7b bundle goes through the upload form (from a URL, or "Add the CAs of a local bundle") or \`graph-pki ca add\``,
    );
  }
  if (file.certificates.length > 1 && (options.certificateRevocationListUrl || options.deltaCertificateRevocationListUrl)) {
    // A root and its issuing CA never share a CRL: each CA's CRL is the one its own issuer publishes.
    throw new Error(
      `the file holds ${file.certificates.length} certificates, and one CRL URL cannot be right for all of them: add them one by one, ` +
        "or leave the CRL URL empty and set each CA's CRL URL afterwards (its Edit button)",
    );
  }
  if (options.deltaCertificateRevocationListUrl && !options.certificateRevocationListUrl) {
    throw new Error('a delta CRL URL needs a CRL URL: the delta CRL only lists what changed since that base CRL');
  }
  return addCertificates(api, pkiId, file.certificates, { ...options, skipDuplicates: false });
}

export interface AddCertificatesOptions extends AddCaOptions {
  /** Count a certificate already in the PKI as skipped rather than refused (a bundle re-added after a change). */
  readonly skipDuplicates: boolean;
}

/**
 * POSTs each certificate (base64 DER) on its own; one refused does not stop the others, and what was added
 * stays. Resolves with the summary when none was refused; otherwise rejects with it and each refusal.
 */
export async function addCertificates(
  api: Api,
  pkiId: string,
  certificates: readonly string[],
  options: AddCertificatesOptions,
  progress: (done: number) => void = () => {},
): Promise<string> {
  const refused: string[] = [];
  let added = 0;
  let skipped = 0;
  for (const [index, certificate] of certificates.entries()) {
    try {
      await api.post(paths.cas(pkiId), {
        certificate,
        isIssuerHintEnabled: options.isIssuerHintEnabled,
        ...(options.certificateRevocationListUrl ? { certificateRevocationListUrl: options.certificateRevocationListUrl } : {}),
        ...(options.deltaCertificateRevocationListUrl ? { deltaCertificateRevocationListUrl: options.deltaCertificateRevocationListUrl } : {}),
      });
      added++;
    } catch (error) {
      if (options.skipDuplicates && error instanceof ApiError && error.status === 400 && /Duplicate Certificate exists/.test(error.message)) skipped++;
      else if (error instanceof SessionEndedError) throw error;
      else refused.push(`certificate ${index + 1} of ${certificates.length}: ${describeError(error)}`);
    }
    progress(index + 1);
  }
  const summary = `Added ${added} certificate authorit${added === 1 ? 'y' : 'ies'}.${skipped ? ` Skipped ${skipped} already in the PKI.` : ''}`;
  if (refused.length === 0) return summary;
  throw new Error(`${summary} Refused ${refused.join('; ')}`);
}
