// Ids of new objects: GUIDs as Graph's are, time-ordered (UUID version 7: a millisecond timestamp, then
// 74 random bits). New rows then land at the end of the primary-key b-tree instead of at a random page,
// which halves the cost of a durable insert on SQLite; and lists without $orderby come in creation order.
// A v7 id reveals its creation time to the millisecond, which the objects show anyway
// (createdDateTime, lastModifiedDateTime).
import { randomUUID } from 'node:crypto';

/**
 * The random bits come from randomUUID (a version-4 UUID), which Node draws from a buffer it refills in
 * bulk: about 1 µs, where randomBytes(16) costs a trip to OpenSSL (8 µs here, far more under load).
 * Its 12 bits after the version nibble and 62 bits after the variant are exactly v7's 74 random bits.
 */
export function newObjectId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
