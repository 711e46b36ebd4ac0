// Which IP addresses an outbound fetch may connect to. A URL supplied by a tenant must not turn this
// server into a proxy into its own network (SSRF): loopback, private, link-local, cloud metadata and
// other non-global addresses are refused unless the operator allows private addresses or lists an
// exception range. IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, Teredo) are judged
// by the IPv4 address they reach.
import { isIP } from 'node:net';

export interface AddressPolicy {
  readonly allowPrivateAddresses: boolean;
  readonly allowedCidrs?: readonly string[] | undefined;
}

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/** Appended to every refusal so the operator learns how to lift it. */
export const PRIVATE_ADDRESS_HINT =
  'private, loopback, link-local and metadata addresses are refused (see --allow-private-fetch)';

export function isAddressAllowed(ip: string, policy: AddressPolicy): AddressVerdict {
  const bytes = ipBytes(ip);
  if (bytes === undefined) return { allowed: false, reason: `${JSON.stringify(ip)} is not an IP address` };
  if (policy.allowPrivateAddresses) return { allowed: true };
  const ranges = parseCidrs(policy.allowedCidrs ?? []);
  const mapped = inRange(IPV4_MAPPED, bytes) ? bytes.subarray(12) : undefined;
  if (ranges.some((range) => inRange(range, bytes) || (mapped !== undefined && inRange(range, mapped)))) {
    return { allowed: true };
  }
  const label = refusalLabel(bytes);
  return label === undefined ? { allowed: true } : { allowed: false, reason: `${ip} is ${label}` };
}

// These names resolve to link-local addresses, which are refused anyway; naming them catches a
// resolver that answers otherwise, and gives the clearer message.
const METADATA_HOSTNAMES = new Set(['metadata.google.internal', 'metadata.goog', 'instance-data.ec2.internal']);

/** A refusal reason for well-known cloud metadata hostnames, or undefined. */
export function metadataHostnameRefusal(hostname: string, policy: AddressPolicy): string | undefined {
  if (policy.allowPrivateAddresses) return undefined;
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return METADATA_HOSTNAMES.has(name) ? `${name} is a cloud metadata service` : undefined;
}

/** Parses allowedCidrs ("10.20.0.0/16", "fd00::/8", or a bare address); throws on a malformed entry. */
export function parseCidrs(cidrs: readonly string[]): Cidr[] {
  return cidrs.map((text) => {
    const [address = '', prefixText, extra] = text.trim().split('/');
    const bytes = ipBytes(address);
    const prefix = prefixText === undefined ? (bytes?.length ?? 0) * 8 : Number(prefixText);
    const valid = bytes !== undefined && extra === undefined && /^\d{1,3}$/.test(prefixText ?? '0')
      && prefix <= bytes.length * 8;
    if (!valid) throw new TypeError(`allowedCidrs: ${JSON.stringify(text)} is not an IP address or CIDR range`);
    return { bytes, prefix };
  });
}

export interface Cidr {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

function cidr(text: string): Cidr {
  const [range] = parseCidrs([text]);
  if (range === undefined) throw new TypeError(text);
  return range;
}

function labelledRanges(entries: ReadonlyArray<readonly [string, string]>): ReadonlyArray<readonly [Cidr, string]> {
  return entries.map(([text, label]) => [cidr(text), label] as const);
}

function inRange(range: Cidr, bytes: Uint8Array): boolean {
  if (range.bytes.length !== bytes.length) return false;
  for (let bit = 0; bit < range.prefix; bit += 8) {
    const mask = (0xff << (8 - Math.min(8, range.prefix - bit))) & 0xff;
    const index = bit / 8;
    if (((range.bytes[index] ?? 0) & mask) !== ((bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}

// Order matters: the first matching range names the refusal, so narrow ranges come first.
const IPV4_REFUSED = labelledRanges([
  ['0.0.0.0/8', 'an unspecified ("this network") address'],
  ['10.0.0.0/8', 'a private address'],
  ['100.64.0.0/10', 'a carrier-grade NAT (shared) address'],
  ['127.0.0.0/8', 'a loopback address'],
  ['169.254.169.254/32', 'a cloud metadata address'],
  ['169.254.0.0/16', 'a link-local address'],
  ['172.16.0.0/12', 'a private address'],
  ['192.0.0.0/24', 'an IETF protocol-assignment address'],
  ['192.0.2.0/24', 'a documentation address'],
  ['192.88.99.0/24', 'a reserved (6to4 relay) address'],
  ['192.168.0.0/16', 'a private address'],
  ['198.18.0.0/15', 'a benchmarking address'],
  ['198.51.100.0/24', 'a documentation address'],
  ['203.0.113.0/24', 'a documentation address'],
  ['224.0.0.0/4', 'a multicast address'],
  ['255.255.255.255/32', 'the broadcast address'],
  ['240.0.0.0/4', 'a reserved address'],
]);

const IPV4_MAPPED = cidr('::ffff:0:0/96');

// Forms that route to an IPv4 address: [range, name, where the IPv4 address sits, XOR mask].
// Teredo stores the client address inverted.
const IPV6_EMBEDDING: ReadonlyArray<readonly [Cidr, string, number, number]> = [
  [IPV4_MAPPED, 'an IPv4-mapped', 12, 0],
  [cidr('64:ff9b::/96'), 'a NAT64', 12, 0],
  [cidr('2002::/16'), 'a 6to4', 2, 0],
  [cidr('2001::/32'), 'a Teredo', 12, 0xff],
];

const IPV6_REFUSED = labelledRanges([
  ['::/128', 'an unspecified address'],
  ['::1/128', 'a loopback address'],
  ['64:ff9b:1::/48', 'a local-use NAT64 address'],
  ['100::/64', 'a discard-only address'],
  ['fd00:ec2::254/128', 'a cloud metadata address'],
  ['fc00::/7', 'a unique-local (private) address'],
  ['fe80::/10', 'a link-local address'],
  ['fec0::/10', 'a site-local address'],
  ['ff00::/8', 'a multicast address'],
  ['2001:2::/48', 'a benchmarking address'],
  ['2001:10::/28', 'a reserved (ORCHID) address'],
  ['2001:db8::/32', 'a documentation address'],
  ['3fff::/20', 'a documentation address'],
]);

// Everything reachable on the IPv6 internet is global unicast; the rest is reserved or local.
const IPV6_GLOBAL_UNICAST = cidr('2000::/3');

function refusalLabel(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return IPV4_REFUSED.find(([range]) => inRange(range, bytes))?.[1];
  for (const [range, form, offset, xor] of IPV6_EMBEDDING) {
    if (!inRange(range, bytes)) continue;
    const ipv4 = bytes.slice(offset, offset + 4).map((byte) => byte ^ xor);
    const inner = refusalLabel(ipv4);
    return inner === undefined ? undefined : `${form} form of ${ipv4.join('.')}, ${inner}`;
  }
  const named = IPV6_REFUSED.find(([range]) => inRange(range, bytes))?.[1];
  if (named !== undefined) return named;
  return inRange(IPV6_GLOBAL_UNICAST, bytes) ? undefined : 'a reserved (not global unicast) IPv6 address';
}

/** 4 bytes for IPv4, 16 for IPv6 (zone id dropped), undefined when the text is not an address. */
function ipBytes(text: string): Uint8Array | undefined {
  const ip = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const version = isIP(ip);
  if (version === 4) return Uint8Array.from(ip.split('.').map(Number));
  if (version !== 6) return undefined;
  let hex = ip;
  const lastColon = hex.lastIndexOf(':');
  if (hex.includes('.', lastColon)) {
    const [a = 0, b = 0, c = 0, d = 0] = ip.slice(lastColon + 1).split('.').map(Number);
    hex = `${hex.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const groupsOf = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const [head, tail] = hex.split('::');
  const headGroups = groupsOf(head);
  const tailGroups = groupsOf(tail);
  const zeros = new Array<number>(8 - headGroups.length - tailGroups.length).fill(0);
  return Uint8Array.from([...headGroups, ...zeros, ...tailGroups].flatMap((group) => [group >> 8, group & 0xff]));
}

const LOOPBACK_RANGES = [cidr('127.0.0.0/8'), cidr('::1/128')];

/** Whether `ip` is a loopback address (127.0.0.0/8, ::1, or 127.x in IPv4-mapped form); false for non-addresses. */
export function isLoopbackAddress(ip: string): boolean {
  const bytes = ipBytes(ip);
  if (bytes === undefined) return false;
  const reached = inRange(IPV4_MAPPED, bytes) ? bytes.subarray(12) : bytes;
  return LOOPBACK_RANGES.some((range) => inRange(range, reached));
}
