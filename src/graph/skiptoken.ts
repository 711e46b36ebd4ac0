// $skiptoken: an opaque, tamper-evident keyset cursor. It carries the position after which the next page
// starts, bound to the tenant, the collection and the $filter/$orderby it was made for, and signed with
// an HMAC key the instances share (stored in the database), so a forged, altered or foreign token is
// refused rather than leaking or skipping rows.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { graphErrors } from '../service/errors.ts';
import type { KeysetPosition, Scalar } from '../store/list-query.ts';

export interface SkiptokenScope {
  readonly tenantId: string;
  /** Which collection, e.g. 'pki' or `ca:${pkiId}`. */
  readonly collection: string;
  readonly fingerprint: string;
}

interface Payload {
  readonly t: string;
  readonly c: string;
  readonly f: string;
  readonly v: readonly Scalar[];
  readonly i: string;
}

export class SkiptokenCodec {
  constructor(private readonly key: Buffer) {}

  encode(scope: SkiptokenScope, position: KeysetPosition): string {
    const payload: Payload = { t: scope.tenantId, c: scope.collection, f: scope.fingerprint, v: position.values, i: position.id };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  decode(scope: SkiptokenScope, token: string): KeysetPosition {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined || !this.verify(body, mac)) throw invalid();
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      throw invalid();
    }
    if (payload.t !== scope.tenantId || payload.c !== scope.collection || payload.f !== scope.fingerprint) throw invalid();
    if (!Array.isArray(payload.v) || typeof payload.i !== 'string') throw invalid();
    return { values: payload.v, id: payload.i };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  private verify(body: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

function invalid() {
  return graphErrors.badRequest('The $skiptoken is not valid for this request; follow @odata.nextLink exactly as it was returned.');
}
