// Microsoft's Graph client v3 (@microsoft/microsoft-graph-client) against a plain-http loopback test server.
// Its own AuthenticationHandler sends the token only over https (graph-client-https.test.ts covers that
// path); here the documented custom middleware chain (Client.initWithMiddleware({ middleware })) puts a
// small bearer step in front of the client's own HTTPMessageHandler. Everything else — GraphRequest, the
// GraphError it throws, BatchRequestContent — is the client's code, unchanged.
import { Client, HTTPMessageHandler, type Context, type Middleware } from '@microsoft/microsoft-graph-client';

class LoopbackBearer implements Middleware {
  private next: Middleware | undefined;
  constructor(private readonly token: string) {}

  async execute(context: Context): Promise<void> {
    const options = context.options ?? {};
    options.headers = { ...(options.headers as Record<string, string> | undefined), Authorization: `Bearer ${this.token}` };
    context.options = options;
    if (!this.next) throw new Error('LoopbackBearer has no next middleware');
    await this.next.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

/** A v3 Graph client for `baseUrl` (http://127.0.0.1:port) that sends `token` on every request. */
export function loopbackGraphClient(baseUrl: string, token: string, version: 'beta' | 'v1.0'): Client {
  const bearer = new LoopbackBearer(token);
  const http = new HTTPMessageHandler();
  bearer.setNext(http);
  return Client.initWithMiddleware({ middleware: bearer, baseUrl, defaultVersion: version });
}
