// HTTP/1.1 over a raw socket, for what no HTTP client sends or shows: a body sent a byte at a time, a
// request on a kept-alive connection at a chosen moment, odd paths sent exactly as written, and whether the
// server answered or closed (or reset) the connection.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  /** Resolves when the server has closed the connection; `reset` when it ended with an error (ECONNRESET). */
  readonly closed: Promise<{ readonly reset: boolean }>;
  private ended = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => {
      let reset = false;
      socket.on('error', () => (reset = true));
      socket.on('close', () => {
        this.ended = true;
        this.waiter?.();
        resolve({ reset });
      });
    });
  }

  static open(baseUrl: string, localAddress?: string): Promise<RawConnection> {
    const url = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = connect({ port: Number(url.port), host: url.hostname, ...(localAddress ? { localAddress } : {}) }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  get isClosed(): boolean {
    return this.ended;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /**
   * The next whole response (a body by Content-Length, none for HEAD when `head` is set), or undefined
   * when the connection closes first.
   */
  async nextResponse({ head = false }: { head?: boolean } = {}): Promise<RawResponse | undefined> {
    for (;;) {
      const parsed = parseResponse(this.buffer, head);
      if (parsed) {
        this.buffer = this.buffer.subarray(parsed.length);
        // An interim answer (100 Continue) precedes the response proper.
        if (parsed.response.status >= 100 && parsed.response.status < 200 && parsed.response.status !== 101) continue;
        return parsed.response;
      }
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }

  /** Whatever the server sent that no response has taken yet. */
  get unread(): string {
    return this.buffer.toString('latin1');
  }
}

function parseResponse(buffer: Buffer, head: boolean): { response: RawResponse; length: number } | undefined {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  const status = Number(statusLine.split(' ')[1]);
  if (status < 200 || status === 204 || status === 304) return { response: { status, headers, body: '' }, length: end + 4 };
  if (!head && headers.get('transfer-encoding')?.toLowerCase() === 'chunked') return parseChunked(buffer, end + 4, statusLine, headers);
  const bodyLength = head ? 0 : Number(headers.get('content-length') ?? 0);
  if (buffer.length < end + 4 + bodyLength) return undefined;
  const body = buffer.subarray(end + 4, end + 4 + bodyLength).toString('utf8');
  return { response: { status: Number(statusLine.split(' ')[1]), headers, body }, length: end + 4 + bodyLength };
}

/** Sends one request on a new connection and returns the first response (undefined if none came). */
export async function rawRequest(baseUrl: string, bytes: string | Buffer, options: { head?: boolean } = {}): Promise<RawResponse | undefined> {
  const connection = await RawConnection.open(baseUrl);
  try {
    connection.write(bytes);
    return await connection.nextResponse(options);
  } finally {
    connection.destroy();
  }
}

function parseChunked(buffer: Buffer, start: number, statusLine: string, headers: Map<string, string>): { response: RawResponse; length: number } | undefined {
  const chunks: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(buffer.subarray(at, lineEnd).toString('latin1'), 16);
    if (buffer.length < lineEnd + 2 + size + 2) return undefined;
    if (size === 0) {
      const response = { status: Number(statusLine.split(' ')[1]), headers, body: Buffer.concat(chunks).toString('utf8') };
      return { response, length: lineEnd + 4 };
    }
    chunks.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
