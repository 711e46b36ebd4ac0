// Baseline for `npm run bench`: the least a Node HTTP server can do for the same requests graph-pki gets.
// GET answers a fixed Graph-like JSON entity (~280 bytes); POST reads the JSON body, adds an id and answers
// 201 with it. No routing, auth, validation or storage. Plain JavaScript so that no loader runs in it.
//
// Usage: node bench/bare-server.mjs [port]   (port 0 / absent = any free port on 127.0.0.1)
// Prints "listening <port>" on stdout once ready; exits on SIGTERM/SIGINT or when stdin closes (parent gone).
import { randomUUID } from 'node:crypto';
import http from 'node:http';

const ENTITY = JSON.stringify({
  '@odata.context': 'http://127.0.0.1/beta/$metadata#directory/publicKeyInfrastructure/certificateBasedAuthConfigurations/$entity',
  id: '5b9d4cf1-2a3e-4f5b-8c6d-7e8f9a0b1c2d',
  displayName: 'Bench PKI',
  status: 'succeeded',
  statusDetails: null,
  lastModifiedDateTime: '2026-01-01T00:00:00Z',
});
const ENTITY_BUFFER = Buffer.from(ENTITY);
const JSON_TYPE = 'application/json; charset=utf-8';

const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let input;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': JSON_TYPE });
        res.end('{"error":"invalid JSON"}');
        return;
      }
      const body = JSON.stringify({ id: randomUUID(), ...input });
      res.writeHead(201, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    return;
  }
  res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': ENTITY_BUFFER.length });
  res.end(ENTITY_BUFFER);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// When the parent dies its end of our stdin closes: do not linger as an orphan.
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
});
