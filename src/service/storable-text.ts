// The one rule for text that reaches the database: both back-ends must be able to keep it exactly as it
// came. PostgreSQL refuses U+0000 in text (SQLite stores it, so the two would disagree), and text that is
// not Unicode, a lone UTF-16 surrogate from a JSON escape such as "\ud800", cannot be written as UTF-8 at
// all (the drivers would silently store U+FFFD instead). Such input is refused before any use case runs.
import { type CaCertificate, CertificateProblem } from '../pki/ca-certificate.ts';

/** U+0000, or a surrogate that is not part of a high-low pair. */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with `text` as stored text, e.g. "U+0000 (NUL)", or undefined when it can be stored. */
export function unstorableCharacterIn(text: string): string | undefined {
  const found = UNSTORABLE.exec(text);
  if (!found) return undefined;
  const code = (found[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return code === '0000' ? 'U+0000 (NUL)' : `an unpaired surrogate U+${code}, which is not Unicode text`;
}

/** Where in a parsed JSON value (its keys included) the first unstorable text is, and what it is. */
export interface UnstorablePlace {
  /** Property names and array indexes down to the text; empty for the value itself. */
  readonly segments: readonly (string | number)[];
  readonly problem: string;
}

/** Where a value sits: its property name or index, below its parent's place (undefined for the top). */
interface Place {
  readonly parent: Place | undefined;
  readonly segment: string | number;
}

/** The segments from the top down to `place`. */
function segmentsOf(place: Place | undefined): (string | number)[] {
  const segments: (string | number)[] = [];
  for (let at = place; at !== undefined; at = at.parent) segments.push(at.segment);
  return segments.reverse();
}

export function findUnstorableText(value: unknown): UnstorablePlace | undefined {
  // Walked with a stack of its own, not by recursion: a body may nest 20 000 levels deep (refused later
  // by the schema, but it must not overflow the call stack here first). Each value links to its parent's
  // place, and the segments are spelled out only for what is reported: copying the path at every level
  // took time quadratic in the depth (a 40 KB body of 20 000 nested arrays held the event loop 10 s).
  const pending: { readonly value: unknown; readonly place: Place | undefined }[] = [{ value, place: undefined }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: item, place } = next;
    if (typeof item === 'string') {
      const problem = unstorableCharacterIn(item);
      if (problem) return { segments: segmentsOf(place), problem };
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push({ value: item[i], place: { parent: place, segment: i } });
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item);
      for (const [key] of entries) {
        const keyProblem = unstorableCharacterIn(key);
        if (keyProblem) return { segments: segmentsOf({ parent: place, segment: key }), problem: `a property name with ${keyProblem}` };
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        pending.push({ value: child, place: { parent: place, segment: key } });
      }
    }
  }
  return undefined;
}

/** `certificateUserBindings[1].userProperty`: the segments as a reader would write them. */
export function propertyPath(segments: readonly (string | number)[]): string {
  return segments.map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join('');
}

/**
 * The text a CA certificate puts into its record (its subject as the `issuer` property, its CRL URLs),
 * held to the same rule: a DN may carry U+0000 in a UTF8String or BMPString, which only PostgreSQL would
 * refuse. Throws the CertificateProblem that names it, as any other reason to refuse the certificate.
 */
export function checkStorableCertificate(certificate: CaCertificate): void {
  const subjectProblem = unstorableCharacterIn(certificate.subject);
  if (subjectProblem) {
    throw new CertificateProblem('unstorable_text', `its subject ${JSON.stringify(certificate.subject)} holds ${subjectProblem}, which cannot be stored`);
  }
  for (const url of certificate.crlDistributionUrls) {
    const urlProblem = unstorableCharacterIn(url);
    if (urlProblem) throw new CertificateProblem('unstorable_text', `its CRL distribution point ${JSON.stringify(url)} holds ${urlProblem}, which cannot be stored`);
  }
}
