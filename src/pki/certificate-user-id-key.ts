// The one rule of certificateUserIds values (../shared/spec/cba-setup-and-signin.md §1.2): the documented
// `X509:` forms, read (parseCertificateUserId) and written (formatCertificateUserId), and the key a value is
// stored, compared and found under, normalised the way sign-in matching compares. The store indexes a hash
// of the key and $filter compares with it; the directory service's uniqueness, the values a certificate
// offers (pki/certificate-user-ids.ts) and sign-in matching use the same functions. It is pure text, an
// X.509 naming rule, so it lives in pki/, which store/ may import (as migration 008 does) and which must
// itself know nothing of the database (DESIGN.md).
import { createHash } from 'node:crypto';

/** The documented `X509:` forms, prefixes case-sensitive (E-CUI). */
const FORMS = ['X509:<PN>', 'X509:<RFC822>', 'X509:<I>…<S>…', 'X509:<S>', 'X509:<SKI>', 'X509:<SHA1-PUKEY>', 'X509:<I>…<SR>…'] as const;

export type ParsedCertificateUserId =
  | { readonly form: 'PN' | 'RFC822' | 'S' | 'SKI' | 'SHA1-PUKEY'; readonly payload: string }
  | { readonly form: 'I-S' | 'I-SR'; readonly issuer: string; readonly payload: string };

const SIMPLE = /^X509:<(PN|RFC822|S|SKI|SHA1-PUKEY)>([\s\S]*)$/;
const ISSUER_AND = /^X509:<I>([\s\S]*?)<(S|SR)>([\s\S]*)$/;

/** The value in its `X509:` form: the one place the prefixes are written. */
export function formatCertificateUserId(value: ParsedCertificateUserId): string {
  switch (value.form) {
    case 'I-S':
      return `X509:<I>${value.issuer}<S>${value.payload}`;
    case 'I-SR':
      return `X509:<I>${value.issuer}<SR>${value.payload}`;
    default:
      return `X509:<${value.form}>${value.payload}`;
  }
}

/**
 * The value's `X509:` form, undefined for a value that does not start with `X509:` (Graph stores such bare
 * values too: its own examples hold `5432109876543210@mil`), and a reason when it starts with `X509:` in any
 * case but is not one of the documented forms with a payload.
 */
export function parseCertificateUserId(value: string): ParsedCertificateUserId | undefined | { readonly problem: string } {
  if (value.slice(0, 5).toUpperCase() !== 'X509:') return undefined;
  const issuerAnd = ISSUER_AND.exec(value);
  if (issuerAnd) {
    const [, issuer = '', tag, payload = ''] = issuerAnd;
    if (issuer.trim() === '') return { problem: 'the issuer after <I> is empty' };
    if (payload.trim() === '') return { problem: `the value after <${tag}> is empty` };
    return { form: tag === 'S' ? 'I-S' : 'I-SR', issuer, payload };
  }
  const simple = SIMPLE.exec(value);
  if (simple) {
    const [, form, payload = ''] = simple;
    if (payload.trim() === '') return { problem: `the value after <${form}> is empty` };
    return { form: form as 'PN', payload };
  }
  return { problem: `a value starting with X509: must be one of ${FORMS.join(', ')} (the prefixes are case-sensitive)` };
}

/**
 * The key a value is compared under, for uniqueness and sign-in matching ([ours], spec §1.2, §10): the X509
 * prefix exactly, DNs trimmed, hex payloads (SKI, SHA1-PUKEY, serial) and names (PN, RFC822: UPNs and
 * addresses are case-insensitive in the directory) in lower case; bare values as written.
 */
export function certificateUserIdMatchKey(value: string): string {
  const parsed = parseCertificateUserId(value);
  if (parsed === undefined || 'problem' in parsed) return value;
  switch (parsed.form) {
    case 'PN':
    case 'RFC822':
    case 'SKI':
    case 'SHA1-PUKEY':
      return formatCertificateUserId({ form: parsed.form, payload: parsed.payload.trim().toLowerCase() });
    case 'S':
      return formatCertificateUserId({ form: 'S', payload: parsed.payload.trim() });
    case 'I-S':
      return formatCertificateUserId({ form: 'I-S', issuer: parsed.issuer.trim(), payload: parsed.payload.trim() });
    case 'I-SR':
      return formatCertificateUserId({ form: 'I-SR', issuer: parsed.issuer.trim(), payload: parsed.payload.trim().toLowerCase() });
  }
}

/** The stored, indexed form of a match key (short and fixed in length, whatever the value holds). */
export function matchHash(matchKey: string): string {
  return createHash('sha256').update(matchKey, 'utf8').digest('hex');
}

/**
 * For an `X509:<I>…<SR>…` value, the same value with the serial's bytes in the other order: Entra's how-to
 * stores the byte-reversed serial certutil prints, Microsoft's PowerShell helper the big-endian one, and
 * both must find the user ([ours], spec §1.2). Undefined for other values or a serial of odd length.
 */
export function otherSerialByteOrder(value: string): string | undefined {
  const parsed = parseCertificateUserId(value);
  if (parsed === undefined || 'problem' in parsed || parsed.form !== 'I-SR') return undefined;
  const hex = parsed.payload.trim();
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) return undefined;
  const reversed = hex.match(/../g)?.reverse().join('') ?? hex;
  return reversed === hex ? undefined : formatCertificateUserId({ form: 'I-SR', issuer: parsed.issuer.trim(), payload: reversed });
}
