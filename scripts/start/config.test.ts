import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadStartConfig, restartDelayMs, StartConfigError } from './config.ts';
import { checkPorts } from './ports.ts';

describe('loadStartConfig', () => {
  it('has defaults for every variable', () => {
    const c = loadStartConfig({}, '/repo');
    expect(c).toMatchObject({ dataDir: '/repo/.data', pgPort: 54329, apiPort: 4000, webPort: 3000, workers: 1, healthPort: 8090, web: true });
    expect(c.restart).toEqual({ limit: 5, windowMs: 60_000, baseDelayMs: 1000, maxDelayMs: 30_000 });
  });

  it('reports every bad variable with its value and what is allowed', () => {
    const err = (() => {
      try {
        loadStartConfig({ API_PORT: 'http', WEB_PORT: '70000', SLICEWISE_WORKERS: '-1', SLICEWISE_START_WEB: 'yes', DATABASE_URL: 'mysql://x' }, '/repo');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(StartConfigError);
    expect([...(err as StartConfigError).problems].sort()).toEqual([
      'API_PORT="http": must be a port number from 1 to 65535',
      'DATABASE_URL=(hidden): must be a postgresql:// connection string, or unset for the embedded PostgreSQL',
      'SLICEWISE_START_WEB="yes": must be true or false',
      'SLICEWISE_WORKERS="-1": must be a whole number of worker processes from 0 to 32',
      'WEB_PORT="70000": must be a port number from 1 to 65535',
    ]);
  });

  it('HEALTH_PORT=0 means free ports; too many workers for a high HEALTH_PORT is refused', () => {
    expect(loadStartConfig({ HEALTH_PORT: '0' }, '/r').healthPort).toBeNull();
    expect(() => loadStartConfig({ HEALTH_PORT: '65535', SLICEWISE_WORKERS: '3' }, '/r')).toThrow(/HEALTH_PORT=65535: worker i listens on HEALTH_PORT \+ i/);
  });

  it('doubles the restart delay per crash inside the window, up to the cap', () => {
    const p = { limit: 5, windowMs: 60_000, baseDelayMs: 1000, maxDelayMs: 5000 };
    expect([1, 2, 3, 4, 5].map((n) => restartDelayMs(p, n))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});

describe('checkPorts', () => {
  it('names the variable of a taken port and of ports claimed twice', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const problems = await checkPorts([
        { variable: 'API_PORT', value: port, host: '127.0.0.1', port, what: 'the api' },
        { variable: 'HEALTH_PORT', value: 1, host: '127.0.0.1', port: 0, what: "the worker's health endpoint" },
        { variable: 'WEB_PORT', value: port, host: '127.0.0.1', port, what: 'the web app' },
      ]);
      expect(problems).toEqual([
        `API_PORT=${port} and WEB_PORT=${port}: the api and the web app would all use port ${port}; give each its own port`,
        `API_PORT=${port}: port 127.0.0.1:${port} (the api) is already in use by another program. Stop that program, or set API_PORT to a free port.`,
        `WEB_PORT=${port}: port 127.0.0.1:${port} (the web app) is already in use by another program. Stop that program, or set WEB_PORT to a free port.`,
      ]);
    } finally {
      taken.close();
    }
  });

  it('names the host variable when the host is not an address of this machine', async () => {
    const problems = await checkPorts([{ variable: 'API_PORT', hostVariable: 'API_HOST', value: 4000, host: '192.0.2.1', port: 4000, what: 'the api' }]);
    expect(problems).toEqual(['API_HOST=192.0.2.1: cannot listen on 192.0.2.1:4000 (the api): 192.0.2.1 is not an address of this machine. Set API_HOST to one (127.0.0.1, 0.0.0.0).']);
  });
});
