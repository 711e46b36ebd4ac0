// Verify a certificate against the tenant's trust store: paste, choose or drop a PEM (or DER) file and
// see the verdict, its reason, what failed (store CA, PKI, CRL), the path it found with the CRL checked
// for each certificate, and the certificateUserIds the policy would match.
import { describeError, SessionEndedError, type Api } from './api.ts';
import { certificateTextOf, pemBlocks, readFile } from './certificates.ts';
import { byId, h } from './dom.ts';
import { formatUtc } from './format.ts';
import { paths, type UserBindingCandidate, type Verdict, type VerdictFailure, type VerdictPathEntry } from './graph-types.ts';
import { onSubmit, reportFailure, showStatus } from './messages.ts';

const ROLE_NAMES = { leaf: 'certificate', intermediate: 'intermediate', trustAnchor: 'trusted CA' } as const;

export function wireVerifyPanel(api: Api): void {
  const textarea = byId('verify-certificate', HTMLTextAreaElement);
  const useFile = (file: File) =>
    reportFailure(`Could not read ${file.name}`, async () => {
      textarea.value = certificateTextOf(await readFile(file));
      showStatus(`Loaded ${file.name}; press Verify.`);
    });

  byId('verify-file', HTMLInputElement).addEventListener('change', (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void useFile(file);
  });

  const zone = byId('verify-drop', HTMLElement);
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    const file = event.dataTransfer?.files[0];
    if (file) void useFile(file);
  });

  const verdictBox = byId('verdict', HTMLElement);
  // Below the Verify button, perhaps below the window's edge: scrolled into view.
  const showVerdict = (content: HTMLElement) => {
    verdictBox.replaceChildren(content);
    verdictBox.scrollIntoView({ block: 'nearest' });
  };
  onSubmit(byId('verify-form', HTMLFormElement), 'Could not verify the certificate', async () => {
    // The verdict on screen is about the certificate sent before: gone as soon as another is sent.
    verdictBox.replaceChildren();
    const intermediates = pemBlocks(byId('verify-intermediates', HTMLTextAreaElement).value);
    let verdict: Verdict;
    try {
      verdict = await api.post<Verdict>(paths.verify, { certificate: textarea.value.trim(), ...(intermediates.length ? { intermediates } : {}) });
    } catch (error) {
      // Said where the verdict would be, beside the Verify button, as well as in the message bar.
      if (!(error instanceof SessionEndedError)) showVerdict(renderFailure(error));
      throw error;
    }
    showVerdict(renderVerdict(verdict));
    showStatus(verdict.trusted ? 'Verified: trusted.' : `Verified: not trusted (${verdict.reason ?? 'no reason given'}).`);
  });
}

function renderFailure(error: unknown): HTMLElement {
  return h('div', { className: 'verdict failed' }, h('h3', null, 'Could not verify'), h('p', null, describeError(error)));
}

function renderVerdict(verdict: Verdict): HTMLElement {
  const facts: Array<[string, string]> = [
    ['Reason', verdict.reason ?? 'none'],
    ['Message', verdict.message],
    ['Checked at', `${formatUtc(verdict.validationTime)} UTC`],
  ];
  if (verdict.failedAt !== null) facts.push(['Failed at', verdict.failedAt === 0 ? 'the certificate itself' : `CA ${verdict.failedAt} in the path`]);
  if (verdict.failure) facts.push(...failureFacts(verdict.failure));
  if (verdict.policy) {
    facts.push(['Authentication strength', verdict.policy.authenticationMode]);
    facts.push(['Required affinity', verdict.policy.requiredAffinityLevel]);
    facts.push(['Policy', verdict.policy.explanation]);
  }
  return h(
    'div',
    { className: `verdict ${verdict.trusted ? 'trusted' : 'untrusted'}` },
    h('h3', null, verdict.trusted ? 'Trusted' : 'Not trusted'),
    h('dl', null, ...facts.flatMap(([term, value]) => [h('dt', null, term), h('dd', null, value)])),
    h('h4', null, 'Path'),
    h('ol', { className: 'verdict-path' }, ...verdict.path.map(renderPathEntry)),
    ...(verdict.policy ? renderBindingCandidates(verdict.policy.userBindingCandidates) : []),
  );
}

/** The store CA and PKI whose CRL decided or failed the verdict, and that CRL. */
function failureFacts(failure: VerdictFailure): Array<[string, string]> {
  const facts: Array<[string, string]> = [
    ['CA (store id)', failure.certificateAuthorityId],
    ['PKI (store id)', failure.publicKeyInfrastructureId],
  ];
  if (failure.crlUrl !== null) facts.push([failure.crlKind === 'delta' ? 'Delta CRL URL' : 'CRL URL', failure.crlUrl]);
  if (failure.crlNumber !== null) facts.push(['CRL number', failure.crlNumber]);
  if (failure.thisUpdate !== null) facts.push(['CRL issued', `${formatUtc(failure.thisUpdate)} UTC`]);
  if (failure.nextUpdate !== null) facts.push(['CRL next update', `${formatUtc(failure.nextUpdate)} UTC`]);
  if (failure.why !== null) facts.push(['Why the CRL is unusable', failure.why]);
  return facts;
}

/** One certificate of the path: who it is, then the CRL checked for it and the store CA it is, if any. */
function renderPathEntry(entry: VerdictPathEntry): HTMLElement {
  const details: string[] = [];
  const revocation = entry.revocation;
  if (revocation?.checked) {
    details.push(`CRL ${revocation.crlUrl ?? ''}, number ${revocation.crlNumber ?? 'none'}`);
    if (revocation.deltaCrlUrl) details.push(`delta CRL ${revocation.deltaCrlUrl}, number ${revocation.deltaCrlNumber ?? 'none'}`);
  } else if (revocation) {
    details.push(`no CRL checked: ${revocation.why ?? 'no reason given'}`);
  }
  if (entry.trustStore) details.push(`store CA ${entry.trustStore.certificateAuthorityId} in PKI ${entry.trustStore.publicKeyInfrastructureId}`);
  return h(
    'li',
    null,
    `${ROLE_NAMES[entry.role]}: ${entry.subject} (serial ${entry.serialNumber}, valid until ${formatUtc(entry.notAfter)} UTC)`,
    ...(details.length > 0 ? [h('ul', { className: 'path-details' }, ...details.map((detail) => h('li', null, detail)))] : []),
    ...(entry.warnings ?? []).map((warning) => h('p', { className: 'path-warning' }, `Warning: ${warning}`)),
  );
}

/** The certificateUserIds the certificate offers, in binding priority order. */
function renderBindingCandidates(candidates: readonly UserBindingCandidate[]): HTMLElement[] {
  if (candidates.length === 0) return [];
  return [
    h('h4', null, 'certificateUserIds candidates'),
    h(
      'ol',
      { className: 'binding-candidates' },
      ...candidates.map((candidate) =>
        h(
          'li',
          null,
          `${candidate.x509CertificateField} → ${candidate.userProperty} (${candidate.affinity} affinity, ${candidate.usable ? 'usable' : 'not usable'}): ` +
            (candidate.values.length > 0 ? candidate.values.join(', ') : 'the certificate has none'),
        ),
      ),
    ),
  ];
}
