// Ids of new objects: GUIDs as Graph's are, time-ordered (UUID version 7: a millisecond timestamp, then
// 74 random bits). New rows then land at the end of the primary-key b-tree instead of at a random page,
// which halves the cost of a durable insert on SQLite; and lists without $orderby come in creation order.
// A v7 id reveals its creation time to the millisecond, which the objects show anyway
// (createdDateTime, lastModifiedDateTime).
import { randomBytes } from 'node:crypto';

export function newObjectId(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
