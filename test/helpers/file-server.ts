// A small HTTP server inside the test that serves bundles (and misbehaves on request): fixed bodies,
// delays, stalls, redirects and error statuses, counting the requests each path receives.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route =
  | { readonly body: Buffer | string; readonly delayMs?: number; readonly chunked?: boolean }
  | { readonly status: number; readonly location?: string }
  | { readonly stall: true };

export interface FileServer {
  readonly url: string;
  /** Requests received per path. */
  readonly hits: Map<string, number>;
  set(path: string, route: Route): void;
  close(): Promise<void>;
}

export async function startFileServer(host = '127.0.0.1'): Promise<FileServer> {
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const stalled = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404).end('not found');
    } else if ('stall' in route) {
      res.writeHead(200, { 'content-type': 'application/x-pkcs7-certificates' });
      res.write('0');
      stalled.add(res);
    } else if ('status' in route) {
      res.writeHead(route.status, route.location ? { location: route.location } : {}).end();
    } else {
      const send = () => {
        const body = Buffer.from(route.body);
        if (route.chunked) {
          res.writeHead(200, { 'content-type': 'application/x-pkcs7-certificates' });
          for (let i = 0; i < body.length; i += 64 * 1024) res.write(body.subarray(i, i + 64 * 1024));
          res.end();
        } else {
          res.writeHead(200, { 'content-type': 'application/x-pkcs7-certificates', 'content-length': body.length }).end(body);
        }
      };
      if (route.delayMs) setTimeout(send, route.delayMs);
      else send();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    hits,
    set: (path, route) => routes.set(path, route),
    close: async () => {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
