// Every port npm start will use is tried before anything starts, so that a taken port is reported with the
// variable that moves it, instead of a child dying later (or, worse, after "Slicewise is running").
import net from 'node:net';

export interface PortClaim {
  /** The variable that sets this port, e.g. API_PORT. */
  variable: string;
  /** The variable that sets the host, when there is one (API_HOST, HEALTH_HOST). */
  hostVariable?: string;
  /** Its value as the user would write it (HEALTH_PORT=8090 even for worker 2's port 8091). */
  value: number;
  host: string;
  port: number;
  /** Who listens there, e.g. "the api", "worker 2's health endpoint (HEALTH_PORT + 1)". */
  what: string;
}

/** A problem per claim that cannot be listened on, plus one per port claimed twice; [] when all are free. */
export async function checkPorts(claims: PortClaim[]): Promise<string[]> {
  const problems: string[] = [];
  const byPort = new Map<number, PortClaim[]>();
  for (const c of claims) byPort.set(c.port, [...(byPort.get(c.port) ?? []), c]);
  for (const [port, same] of byPort) {
    if (same.length > 1) {
      problems.push(`${same.map((c) => `${c.variable}=${c.value}`).join(' and ')}: ${same.map((c) => c.what).join(' and ')} would all use port ${port}; give each its own port`);
    }
  }
  for (const c of claims) {
    const err = await tryListen(c.host, c.port);
    if (err) problems.push(describe(c, err));
  }
  return problems;
}

function describe(c: PortClaim, err: NodeJS.ErrnoException): string {
  const where = `${c.host}:${c.port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `${c.variable}=${c.value}: port ${where} (${c.what}) is already in use by another program. Stop that program, or set ${c.variable} to a free port.`;
    case 'EACCES':
      return `${c.variable}=${c.value}: port ${where} (${c.what}) needs privileges this user lacks. Set ${c.variable} to a port above 1023.`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `${c.hostVariable ?? c.variable}=${c.hostVariable ? c.host : c.value}: cannot listen on ${where} (${c.what}): ${c.host} is not an address of this machine.${c.hostVariable ? ` Set ${c.hostVariable} to one (127.0.0.1, 0.0.0.0).` : ''}`;
    default:
      return `${c.variable}=${c.value}: cannot listen on ${where} (${c.what}): ${err.code ?? err.message}`;
  }
}

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(null)));
  });
}

/** A port the OS considers free right now (for HEALTH_PORT=0). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Where to connect to reach a server listening on `host` (a wildcard listens on loopback too). */
export function connectHost(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
}
