// How times and expiry are shown: UTC to the minute, and a CA's expiry in words as well as colour.

const DAY_MS = 86_400_000;
/** A CA expiring within this many days is highlighted. */
export const EXPIRY_WARNING_DAYS = 30;

export function formatUtc(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

export interface ExpiryNote {
  readonly text: string;
  /** 'expired', 'expiring' or '' (far enough away). */
  readonly level: 'expired' | 'expiring' | '';
}

export function expiryNote(iso: string, now = Date.now()): ExpiryNote {
  const left = new Date(iso).getTime() - now;
  if (Number.isNaN(left)) return { text: '', level: '' };
  const days = Math.floor(Math.abs(left) / DAY_MS);
  if (left <= 0) return { text: `expired ${days === 0 ? 'today' : `${days} day${days === 1 ? '' : 's'} ago`}`, level: 'expired' };
  if (left <= EXPIRY_WARNING_DAYS * DAY_MS) {
    return { text: `expires ${days === 0 ? 'within a day' : `in ${days} day${days === 1 ? '' : 's'}`}`, level: 'expiring' };
  }
  return { text: '', level: '' };
}
