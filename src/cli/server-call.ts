// One HTTP call from a command to a running graph-pki server, for every command that talks to one
// (pki, ca, upload, verify --url, snapshot, reset): the same message, naming the address and the cause,
// when the server cannot be reached or does not answer in time, and Graph's error envelope read back
// into the server's own message.

/** The server refused, failed, or could not be reached: the command exits 1 with this message. */
export class ServerCallError extends Error {
  constructor(
    message: string,
    /** The HTTP status the server answered with; undefined when it did not answer. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Hints for the causes people meet most, keyed by the error code Node gives. */
const CAUSE_HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there: start `graph-pki serve` or give its address with --url',
  ENOTFOUND: 'the host name does not resolve: check --url',
  EAI_AGAIN: 'the host name could not be resolved (DNS): check --url and the network',
  ECONNRESET: 'the connection was closed: is --url an http(s) address of graph-pki (http vs https)?',
  EHOSTUNREACH: 'no route to that host: check --url and the network',
  ETIMEDOUT: 'the connection timed out: check --url and the network',
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed: trust it with NODE_EXTRA_CA_CERTS=DATA/tls-cert.pem",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate is not trusted: trust its CA with NODE_EXTRA_CA_CERTS",
};

interface NodeErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The innermost error Node reports (fetch wraps the socket error as `cause`; dual-stack gives several). */
function rootCause(error: unknown): NodeErrorLike {
  let current = error as NodeErrorLike;
  while (current.cause && typeof current.cause === 'object') current = current.cause as NodeErrorLike;
  if (Array.isArray(current.errors) && current.errors.length > 0 && current.code === undefined) return current.errors[0] as NodeErrorLike;
  return current;
}

/**
 * "cannot reach the server at http://127.0.0.1:8080: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:8080):
 * nothing listens there: …". The one wording of this failure for every command.
 */
export function unreachableMessage(url: string, error: unknown): string {
  const cause = rootCause(error);
  const code = typeof cause.code === 'string' ? cause.code : undefined;
  const detail = typeof cause.message === 'string' && cause.message ? cause.message : String(error);
  const hint = code === undefined ? undefined : CAUSE_HINTS[code];
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    origin = url;
  }
  return `cannot reach the server at ${origin}: ${code ? `${code} (${detail})` : detail}${hint ? `; ${hint}` : ''}`;
}

export interface ServerAnswer {
  readonly status: number;
  readonly text: string;
  /** The parsed JSON body; undefined when empty or not JSON. */
  readonly body: unknown;
}

/** Sends one request; resolves with any answer the server gave, throws ServerCallError when it gave none. */
export async function callServer(url: string, init: RequestInit, timeoutMs: number): Promise<ServerAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') throw new ServerCallError(`${url} did not answer within ${timeoutMs} ms (--timeout-ms)`);
    throw new ServerCallError(unreachableMessage(url, error));
  }
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, text, body };
}

/** The message of Graph's error envelope, or the start of whatever else the server sent. */
export function serverMessageOf(answer: ServerAnswer): string {
  const message = (answer.body as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === 'string' ? message : answer.text.slice(0, 200) || '(no body)';
}

/** Runs a command's work: exit 1 with the message when the server refuses or cannot be reached. */
export async function runServerCommand(name: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof ServerCallError)) throw error;
    process.stderr.write(`graph-pki ${name}: ${error.message}\n`);
    process.exitCode = 1;
  }
}
