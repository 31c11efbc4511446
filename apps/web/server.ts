// The web app's HTTP front: Next.js behind a plain Node server that does two things before Next
// (or any session check) sees a request:
//  1. refuses a body whose declared length is over its path's limit (413), so nothing is buffered;
//  2. records the browser's address from the socket (or WEB_TRUST_PROXY_HOPS proxies of your own)
//     in a header no client can set, which forward.ts passes to the API with WEB_PROXY_SECRET.
// Run: node --import tsx server.ts (npm start and the Docker image do).
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { bodyLimitFor, CLIENT_IP_HEADER, CLIENT_IP_NONCE_HEADER, clientAddressOf, edgeConfig } from './src/lib/edge';

const dir = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? process.env.WEB_PORT ?? 3000);
const host = process.env.WEB_HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`PORT/WEB_PORT=${JSON.stringify(process.env.PORT ?? process.env.WEB_PORT)}: must be a port number\n`);
  process.exit(2);
}
let config;
try {
  config = edgeConfig();
} catch (err) {
  process.stderr.write(`Invalid configuration: ${(err as Error).message}\n`);
  process.exit(2);
}
// Route handlers in this process recognise the address header by this per-process nonce.
const nonce = randomBytes(16).toString('hex');
process.env.SLICEWISE_CLIENT_IP_NONCE = nonce;

const app = next({ dev: false, dir, hostname: host, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  delete req.headers[CLIENT_IP_HEADER];
  delete req.headers[CLIENT_IP_NONCE_HEADER];
  const pathname = (req.url ?? '/').split('?')[0]!;
  const declared = Number(req.headers['content-length']);
  const limit = bodyLimitFor(pathname, config);
  if (Number.isFinite(declared) && declared > limit) {
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ errors: [{ message: `The request body is ${declared} bytes, over the limit of ${limit} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }));
    req.socket.destroySoon?.();
    return;
  }
  const ip = clientAddressOf(req.socket.remoteAddress, req.headers['x-forwarded-for'] as string | undefined, config.trustedHops);
  if (ip) {
    req.headers[CLIENT_IP_HEADER] = ip;
    req.headers[CLIENT_IP_NONCE_HEADER] = nonce;
  }
  void handle(req, res);
});
server.listen(port, host, () => process.stdout.write(`web listening on http://${host}:${port}\n`));
const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 1500).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
