// Serves one file's bytes on a loopback port while a local server's upload job downloads it. The path
// holds a random part, so no other local process guesses it; any other path gets 404. Only GET and HEAD.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackFile {
  /** The URL the upload action is given. */
  readonly url: string;
  /** How many times the file was downloaded so far. */
  downloads(): number;
  close(): Promise<void>;
}

export async function serveFileOnLoopback(bytes: Buffer, fileName: string): Promise<LoopbackFile> {
  const path = `/${randomBytes(16).toString('hex')}/${encodeURIComponent(fileName)}`;
  let downloads = 0;
  const server = createServer((request, response) => {
    if (new URL(request.url ?? '/', 'http://127.0.0.1').pathname !== path || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404).end();
      return;
    }
    downloads++;
    response.writeHead(200, { 'content-type': 'application/x-pkcs7-certificates', 'content-length': bytes.length });
    response.end(request.method === 'HEAD' ? undefined : bytes);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    downloads: () => downloads,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
