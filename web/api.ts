// Calls the server's API with the bearer token in the Authorization header (never in a URL) and turns
// Graph's error envelope into an error whose message is the server's own.
import type { Collection } from './graph-types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A request of a session that is over: its token was refused (401) and the page went back to the sign-in
 * form, which says so; callers report nothing more.
 */
export class SessionEndedError extends Error {}

/** Pages followed at most when reading a whole collection (999 objects each). */
const MAX_PAGES = 20;

export class Api {
  constructor(
    private readonly token: () => string | null,
    /** The server refused `token` (401); answers true when that ended the session (see SessionEndedError). */
    private readonly tokenRefused: (token: string, error: ApiError) => boolean = () => false,
  ) {}

  async get<T>(path: string): Promise<T> {
    return (await this.send('GET', path)) as T;
  }

  /** Every object of a collection, following @odata.nextLink. */
  async getAll<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const body: Collection<T> = await this.get<Collection<T>>(next);
      items.push(...body.value);
      next = body['@odata.nextLink'];
    }
    return items;
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.send('POST', path, body) as Promise<T>;
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.send('PATCH', path, body) as Promise<T>;
  }

  async delete(path: string): Promise<void> {
    await this.send('DELETE', path);
  }

  /** Sends one request; resolves with the parsed JSON body (undefined for 204), rejects with ApiError. */
  async send(method: string, path: string, body?: unknown, withToken = true): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = withToken ? this.token() : null;
    if (withToken && !token) throw new ApiError(401, 'notSignedIn', 'Sign in with a token first.');
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      // Relative to the page (document.baseURI); nextLinks are absolute and used as they are.
      response = await fetch(new URL(path, document.baseURI), {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (error) {
      throw new ApiError(0, 'networkError', `The server could not be reached (${String(error)}).`);
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      const error = errorOf(response, parsed, text);
      if (error.status === 401 && token && this.tokenRefused(token, error)) throw new SessionEndedError(error.message);
      throw error;
    }
    return parsed;
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorOf(response: Response, parsed: unknown, text: string): ApiError {
  const envelope = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (envelope && typeof envelope.message === 'string') {
    return new ApiError(response.status, typeof envelope.code === 'string' ? envelope.code : String(response.status), envelope.message);
  }
  const detail = text.trim().slice(0, 200);
  return new ApiError(response.status, String(response.status), `HTTP ${response.status} ${response.statusText}${detail ? `: ${detail}` : ''}`);
}

/** "code: message" for people; the code tells support which Graph error it was. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.code && error.code !== String(error.status) ? `${error.message} (${error.code})` : error.message;
  return error instanceof Error ? error.message : String(error);
}
