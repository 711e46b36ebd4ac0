/** Graph's DateTimeOffset as the PKI API shows it: UTC, second precision, `Z`. */
export function graphTimestamp(date: Date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
