// The CA table's CRL health column: per CA, each configured CRL's status and time left, the failing (or
// warning) check in words with the AADSTS code a sign-in would get, and a button that downloads the CA's
// CRLs again now. Read after the table is drawn (a first read may download CRLs), then filled in by row.
import { type Api, describeError } from './api.ts';
import { h } from './dom.ts';
import { paths } from './graph-types.ts';

export interface CrlHealthCheck {
  readonly name: string;
  readonly result: 'pass' | 'warning' | 'fail' | 'skipped';
  readonly detail: string;
  readonly errorCode: string | null;
  /** For a failed check: the message a sign-in gets with errorCode. */
  readonly message: string | null;
}

export interface CrlHealthEntry {
  readonly pkiId: string;
  readonly certificateAuthorityId: string;
  readonly kind: 'base' | 'delta';
  readonly url: string | null;
  readonly status: 'healthy' | 'warning' | 'failing' | 'notConfigured';
  readonly timeLeftSeconds: number | null;
  readonly checks: readonly CrlHealthCheck[];
  readonly signInImpact: { readonly result: 'success' | 'failure'; readonly errorCode: string | null; readonly message: string };
}

/** The tenant's CRL health entries of one PKI, by CA id. */
export async function loadCrlHealth(api: Api, pkiId: string): Promise<Map<string, CrlHealthEntry[]>> {
  const { value } = await api.get<{ value: CrlHealthEntry[] }>(paths.crlHealth);
  return byCa(value.filter((entry) => entry.pkiId === pkiId));
}

/** Downloads one CA's CRLs again now; its new entries. */
export async function refreshCrlHealth(api: Api, caId: string): Promise<CrlHealthEntry[]> {
  const { value } = await api.post<{ value: CrlHealthEntry[] }>(paths.crlHealthRefresh, { certificateAuthorityId: caId });
  return value;
}

function byCa(entries: readonly CrlHealthEntry[]): Map<string, CrlHealthEntry[]> {
  const found = new Map<string, CrlHealthEntry[]>();
  for (const entry of entries) found.set(entry.certificateAuthorityId, [...(found.get(entry.certificateAuthorityId) ?? []), entry]);
  return found;
}

/** Fills a CA's cell: a line per CRL, then the refresh button (none for a CA without a CRL URL). */
export function fillCrlHealthCell(cell: HTMLElement, entries: readonly CrlHealthEntry[] | undefined, caName: string, refresh: () => void): void {
  if (!entries || entries.length === 0) {
    cell.replaceChildren('not checked');
    return;
  }
  const lines = entries.map((entry) => {
    if (entry.status === 'notConfigured') {
      const impact = entry.signInImpact.result === 'failure' ? ` (sign-ins fail: ${entry.signInImpact.errorCode})` : '';
      return h('div', { attrs: { 'data-crl-kind': entry.kind } }, h('span', { className: 'badge' }, 'no CRL'), impact);
    }
    const problem = entry.checks.find((c) => c.result === 'fail') ?? entry.checks.find((c) => c.result === 'warning');
    return h(
      'div',
      { attrs: { 'data-crl-kind': entry.kind, 'data-crl-status': entry.status } },
      h('span', { className: `badge crl-${entry.status}` }, entry.status),
      ` ${entry.kind === 'delta' ? 'delta ' : ''}${timeLeftText(entry.timeLeftSeconds)}`,
      problem ? h('div', { className: 'crl-problem', ...(problem.message ? { attrs: { title: problem.message } } : {}) }, `${problem.name}: ${problem.detail}${problem.errorCode ? ` (sign-ins fail with ${problem.errorCode})` : ''}`) : null,
    );
  });
  const configured = entries.some((e) => e.status !== 'notConfigured');
  const button = h('button', { attrs: { type: 'button', 'data-action': 'refresh-crl', 'aria-label': `Download the CRLs of ${caName} again now` }, onClick: refresh }, 'Refresh');
  cell.replaceChildren(...lines, ...(configured ? [button] : []));
}

export function crlHealthFailed(cell: HTMLElement, error: unknown): void {
  cell.replaceChildren(`could not be read: ${describeError(error)}`);
}

/** "3 d 4 h left", "expired 2 h ago", or '' when unknown. */
function timeLeftText(seconds: number | null): string {
  if (seconds === null) return '';
  const abs = Math.abs(seconds);
  const days = Math.floor(abs / 86_400);
  const hours = Math.floor((abs % 86_400) / 3600);
  const minutes = Math.floor((abs % 3600) / 60);
  const text = days > 0 ? `${days} d ${hours} h` : hours > 0 ? `${hours} h ${minutes} min` : `${minutes} min`;
  return seconds < 0 ? `expired ${text} ago` : `${text} left`;
}
