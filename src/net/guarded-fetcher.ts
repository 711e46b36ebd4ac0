// The one way this service downloads anything (upload bundles, CRLs). URLs come from tenants, so every
// download is bounded (size, time, redirects) and may only reach addresses the policy allows. The
// hostname is resolved here, every answer is checked, and the socket connects to a checked IP, so a
// DNS answer that changes between check and connect (rebinding) cannot reach a refused address.
import http, { STATUS_CODES, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isAddressAllowed, metadataHostnameRefusal, parseCidrs, PRIVATE_ADDRESS_HINT } from './address-policy.ts';
import { collectYoungGarbage, largeBuffer, largeBufferUpTo, shrunkToFit } from '../caching/large-buffers.ts';

export { isAddressAllowed } from './address-policy.ts';

export interface FetchPolicy {
  /** Largest body accepted, in bytes; checked against Content-Length and while streaming. */
  readonly maxBytes: number;
  /** Per connection attempt (TCP connect), in ms. */
  readonly connectTimeoutMs: number;
  /** The whole download including DNS, redirects and body, in ms. */
  readonly totalTimeoutMs: number;
  readonly maxRedirects: number;
  readonly allowPrivateAddresses: boolean;
  /** Ranges allowed even when private addresses are not, e.g. ['10.20.0.0/16'] for air-gapped networks. */
  readonly allowedCidrs?: readonly string[];
}

export type FetchErrorKind =
  | 'invalid_url'
  | 'scheme'
  | 'blocked_address'
  | 'dns'
  | 'connect'
  | 'timeout'
  | 'too_large'
  | 'http_status'
  | 'too_many_redirects'
  | 'network';

export class FetchError extends Error {
  override readonly name = 'FetchError';
  readonly kind: FetchErrorKind;
  /** The final HTTP status, for kind 'http_status'. */
  readonly status?: number;

  constructor(kind: FetchErrorKind, message: string, status?: number) {
    super(message);
    this.kind = kind;
    if (status !== undefined) this.status = status;
  }
}

export interface FetchResult {
  readonly body: Buffer;
  readonly finalUrl: string;
  readonly contentType: string | undefined;
}

export type LookupFunction = (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;

export interface FetchOptions {
  /** Replaces policy.maxBytes for this download. */
  readonly maxBytes?: number;
  /** Aborting rejects with the signal's reason (not a FetchError) and closes the connection. */
  readonly signal?: AbortSignal;
  /**
   * Told once, when the final 2xx answer's headers are in and before any of its body is held, how large
   * the body says it is (its Content-Length; undefined when it does not say, then up to maxBytes).
   */
  readonly beforeBody?: (declaredBytes: number | undefined) => void;
}

export interface FetcherOptions {
  /** Replaces DNS, for tests; must answer every address the name has. */
  readonly lookup?: LookupFunction;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const HEADERS = {
  'user-agent': 'graph-pki',
  accept: '*/*',
  // The size cap counts bytes on the wire; a compressed body could expand far past it.
  'accept-encoding': 'identity',
};

const systemLookup: LookupFunction = async (hostname) => {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true });
  return answers.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

export class GuardedFetcher {
  readonly #policy: FetchPolicy;
  readonly #lookup: LookupFunction;

  constructor(policy: FetchPolicy, options: FetcherOptions = {}) {
    parseCidrs(policy.allowedCidrs ?? []); // a malformed range fails at start-up, not on the first fetch
    this.#policy = policy;
    this.#lookup = options.lookup ?? systemLookup;
  }

  /** GET `url`, following redirects; resolves only for a final 2xx answer. */
  async fetch(url: string, options: FetchOptions = {}): Promise<FetchResult> {
    const maxBytes = options.maxBytes ?? this.#policy.maxBytes;
    const deadline = new Deadline(this.#policy.totalTimeoutMs, options.signal);
    try {
      let target = parseTarget(url, 'the URL');
      for (let redirects = 0; ; redirects += 1) {
        const outcome = await this.#get(target, maxBytes, deadline.signal, options.beforeBody);
        if (outcome.kind === 'body') {
          return { body: outcome.body, finalUrl: target.href, contentType: outcome.contentType };
        }
        if (redirects >= this.#policy.maxRedirects) {
          throw new FetchError('too_many_redirects', `the server redirected more than ${this.#policy.maxRedirects} times`);
        }
        target = redirectTarget(target, outcome.location);
      }
    } finally {
      deadline.dispose();
    }
  }

  async #get(target: URL, maxBytes: number, signal: AbortSignal, beforeBody: FetchOptions['beforeBody']): Promise<Outcome> {
    const addresses = await this.#resolve(target, signal);
    let failure: unknown;
    for (const address of addresses) {
      try {
        return await exchange({ target, address, maxBytes, connectTimeoutMs: this.#policy.connectTimeoutMs, signal, beforeBody });
      } catch (error) {
        // Nothing was sent yet, so another checked address of the same host may be tried.
        if (!(error instanceof FetchError) || error.kind !== 'connect') throw error;
        failure = error;
      }
    }
    throw failure;
  }

  /** Every address the name resolves to must pass, not just the one we would pick. */
  async #resolve(target: URL, signal: AbortSignal): Promise<string[]> {
    const hostname = bareHostname(target);
    if (isIP(hostname) !== 0) {
      const verdict = isAddressAllowed(hostname, this.#policy);
      if (!verdict.allowed) throw new FetchError('blocked_address', `${verdict.reason}; ${PRIVATE_ADDRESS_HINT}`);
      return [hostname];
    }
    const metadata = metadataHostnameRefusal(hostname, this.#policy);
    if (metadata !== undefined) throw new FetchError('blocked_address', `${metadata}; ${PRIVATE_ADDRESS_HINT}`);
    let answers: Array<{ address: string }>;
    try {
      answers = await raceAbort(this.#lookup(hostname), signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new FetchError('dns', `could not resolve ${hostname}: ${describe(error)}`);
    }
    if (answers.length === 0) throw new FetchError('dns', `${hostname} has no addresses`);
    for (const { address } of answers) {
      const verdict = isAddressAllowed(address, this.#policy);
      if (!verdict.allowed) {
        throw new FetchError('blocked_address', `${hostname} resolves to a refused address: ${verdict.reason}; ${PRIVATE_ADDRESS_HINT}`);
      }
    }
    return answers.map(({ address }) => address);
  }
}

type Outcome =
  | { readonly kind: 'body'; readonly body: Buffer; readonly contentType: string | undefined }
  | { readonly kind: 'redirect'; readonly location: string };

interface Exchange {
  readonly target: URL;
  /** Already checked against the policy; the socket connects to this, never to a fresh DNS answer. */
  readonly address: string;
  readonly maxBytes: number;
  readonly connectTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly beforeBody: FetchOptions['beforeBody'];
}

/** One GET to one address. Every exit goes through fail/succeed, which destroy the socket. */
function exchange({ target, address, maxBytes, connectTimeoutMs, signal, beforeBody }: Exchange): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const hostname = bareHostname(target);
    const secure = target.protocol === 'https:';
    const port = Number(target.port) || (secure ? 443 : 80);
    const where = hostname === address ? `${address} port ${port}` : `${hostname} (${address}) port ${port}`;
    const request = (secure ? https : http).request({
      host: address,
      port,
      method: 'GET',
      path: `${target.pathname}${target.search}`,
      headers: { host: target.host, ...HEADERS },
      // A pooled socket could carry a request to a host it was not checked for.
      agent: false,
      // Certificates are checked against the name in the URL, not the IP connected to; '' stops Node
      // from sending an IP literal as SNI.
      ...(secure ? { servername: isIP(hostname) === 0 ? hostname : '' } : {}),
    });
    let connected = false;
    let settled = false;
    const connectTimer = setTimeout(
      () => fail(new FetchError('connect', `could not connect to ${where} within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    const onAbort = () => fail(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });

    function finish(): boolean {
      if (settled) return false;
      settled = true;
      clearTimeout(connectTimer);
      signal.removeEventListener('abort', onAbort);
      request.destroy();
      return true;
    }
    function fail(error: unknown): void {
      if (finish()) reject(error);
    }
    function succeed(outcome: Outcome): void {
      if (finish()) resolve(outcome);
    }

    const markConnected = (): void => {
      connected = true;
      clearTimeout(connectTimer);
    };
    request.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', markConnected);
      else markConnected();
    });
    request.on('error', (error) =>
      fail(
        connected
          ? new FetchError('network', `the connection to ${where} failed: ${describe(error)}`)
          : new FetchError('connect', `could not connect to ${where}: ${describe(error)}`),
      ),
    );
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (REDIRECT_STATUSES.has(status) && location !== undefined) return succeed({ kind: 'redirect', location });
      if (status < 200 || status > 299) {
        const text = response.statusMessage || STATUS_CODES[status] || '';
        const missing = REDIRECT_STATUSES.has(status) ? ' without a Location header' : '';
        return fail(new FetchError('http_status', `the server answered HTTP ${status} ${text}${missing}`.trim(), status));
      }
      readBody(response, maxBytes, beforeBody, fail, (body) =>
        succeed({ kind: 'body', body, contentType: response.headers['content-type'] }),
      );
    });
    if (signal.aborted) onAbort();
    else request.end();
  });
}

function readBody(
  response: IncomingMessage,
  maxBytes: number,
  beforeBody: FetchOptions['beforeBody'],
  fail: (error: FetchError) => void,
  done: (body: Buffer) => void,
): void {
  const declared = Number(response.headers['content-length']);
  if (declared > maxBytes) {
    fail(new FetchError('too_large', `the server announced ${declared} bytes, more than the limit of ${maxBytes} bytes`));
    return;
  }
  const known = Number.isSafeInteger(declared) && declared >= 0;
  beforeBody?.(known ? declared : undefined);
  // The body goes straight into one buffer: of its Content-Length, or without one a mapping of maxBytes
  // of which only the pages written take memory. A large body (a 20 MB CRL) is then held once, not once
  // in pieces and again joined.
  const into = known ? (declared > 0 ? largeBuffer(declared) : undefined) : largeBufferUpTo(maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  let collectedAt = 0;
  response.on('data', (chunk: Buffer) => {
    // Node's HTTP parser never delivers more body than the Content-Length said.
    if (total + chunk.length > maxBytes) fail(new FetchError('too_large', `the download exceeded the limit of ${maxBytes} bytes`));
    else if (into) chunk.copy(into, total);
    else chunks.push(chunk);
    total += chunk.length;
    if (into && total - collectedAt >= 2 * 1024 * 1024) {
      collectedAt = total;
      collectYoungGarbage();
    }
  });
  response.on('end', () => {
    if (into) return done(known ? into.subarray(0, total) : shrunkToFit(into, total));
    const body = largeBuffer(total);
    let filled = 0;
    for (const chunk of chunks) filled += chunk.copy(body, filled);
    done(body);
  });
  response.on('error', (error) => fail(new FetchError('network', `the download broke off: ${describe(error)}`)));
  // 'close' without 'end' means the peer hung up mid-body; after 'end' this is a no-op.
  response.on('close', () => fail(new FetchError('network', 'the connection closed before the body was complete')));
}

function parseTarget(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FetchError('invalid_url', `${what} ${JSON.stringify(text.slice(0, 200))} is not a valid absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchError('scheme', `${what} uses ${url.protocol}; only http: and https: URLs can be fetched`);
  }
  // Credentials would be sent to whatever host the URL names, and would end up in logs and errors.
  if (url.username !== '' || url.password !== '') {
    throw new FetchError('invalid_url', `${what} must not contain credentials (user:password@)`);
  }
  return url;
}

function redirectTarget(from: URL, location: string): URL {
  let next: string;
  try {
    next = new URL(location, from).href;
  } catch {
    throw new FetchError('invalid_url', `the server redirected to ${JSON.stringify(location.slice(0, 200))}, which is not a valid URL`);
  }
  const target = parseTarget(next, 'the redirect target');
  // A downgrade is refused outright: the https URL the tenant gave promised an authenticated,
  // untampered download, and a plain-http hop would silently drop that promise.
  if (from.protocol === 'https:' && target.protocol === 'http:') {
    throw new FetchError('scheme', `the server redirected from https to http (${target.origin}); downgrades are refused`);
  }
  return target;
}

function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The total time budget of one fetch, joined with the caller's own abort signal. */
class Deadline {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  readonly #onCallerAbort = () => this.#controller.abort(this.#caller?.reason);

  constructor(totalTimeoutMs: number, caller: AbortSignal | undefined) {
    this.#caller = caller;
    this.#timer = setTimeout(
      () => this.#controller.abort(new FetchError('timeout', `no complete answer within ${totalTimeoutMs} ms`)),
      totalTimeoutMs,
    );
    if (caller?.aborted) this.#onCallerAbort();
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }
}
