// Test helpers for npm start's tests: the process table (Linux /proc), free ports, waiting.
import fs from 'node:fs';
import net from 'node:net';

export interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot: a pid reused later has another one. */
  startTicks: string;
  comm: string;
  state: string;
}

/** Every process in /proc, by pid. */
export function processTable(): Map<number, ProcessEntry> {
  const table = new Map<number, ProcessEntry>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const e = readProcess(Number(name));
    if (e) table.set(e.pid, e);
  }
  return table;
}

export function readProcess(pid: number): ProcessEntry | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name is in parentheses and may hold spaces: split after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(rest[1]), pgid: Number(rest[2]), startTicks: rest[19]!, comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), state: rest[0]! };
  } catch {
    return null;
  }
}

/** `root` and all its descendants now. */
export function processTree(root: number): ProcessEntry[] {
  const table = processTable();
  const out: ProcessEntry[] = [];
  const walk = (pid: number) => {
    const e = table.get(pid);
    if (!e) return;
    out.push(e);
    for (const c of table.values()) if (c.ppid === pid) walk(c.pid);
  };
  walk(root);
  return out;
}

/** The entries still running (same pid and start time, not a zombie). */
export function stillRunning(entries: ProcessEntry[]): ProcessEntry[] {
  return entries.filter((e) => {
    const now = readProcess(e.pid);
    return now !== null && now.startTicks === e.startTicks && now.state !== 'Z';
  });
}

/** Working directory of a process ('' when unreadable). */
export function cwdOf(pid: number): string {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a truthy value; throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs: number, everyMs = 200): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
