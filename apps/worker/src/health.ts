// /healthz: the process is alive. /readyz: the database answers and the worker is accepting jobs.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthDeps {
  checkDb: () => Promise<void>;
  accepting: () => boolean;
  details: () => Record<string, unknown>;
}

export async function startHealthServer(host: string, port: number, deps: HealthDeps): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/healthz') return send(200, { ok: true, ...deps.details() });
    if (req.url === '/readyz') {
      if (!deps.accepting()) return send(503, { ok: false, reason: 'shutting down' });
      try {
        await Promise.race([deps.checkDb(), new Promise((_, rej) => setTimeout(() => rej(new Error('database check timed out after 2 s')), 2000))]);
        return send(200, { ok: true });
      } catch (e) {
        return send(503, { ok: false, reason: `database: ${(e as Error).message}` });
      }
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
