import fs from 'node:fs';
/**
 * Closing things at process shutdown without hanging on one of them.
 *
 * After a database restart, node-postgres' `pool.end()` (under Prisma's `$disconnect`) can wait forever on a
 * connection the server dropped; a process that is shutting down must still exit. `closeWithin` runs one close
 * step and gives up on it after `ms`, reporting which step timed out.
 */
export async function closeWithin(what: string, close: () => Promise<unknown>, ms: number, onTimeout: (what: string, ms: number) => void): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    close().then(() => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), ms);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) onTimeout(what, ms);
  return !timedOut;
}

/**
 * Calls `onOrphaned` once when this process's parent exits. A supervisor (npm start, npm, a test harness)
 * signals its children when it stops normally; this covers a parent killed outright (SIGKILL, OOM killer),
 * after which an orphaned worker would otherwise keep claiming and generating with nobody to stop it.
 * Node has no portable parent-death notice, so the parent is polled; the timer never keeps a process alive.
 * Returns a function that stops watching.
 */
export function onParentExit(onOrphaned: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  // pid 0/1: started by init or as a container's first process; re-parenting cannot be told apart there.
  if (parent <= 1) return () => {};
  const timer = setInterval(() => {
    if (currentParent() === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The parent's pid now. `process.ppid` is read once at start-up, so it never changes: on Linux, read
 * /proc/self/stat (an orphan is re-parented to init or a subreaper); elsewhere, probe the original parent.
 */
function currentParent(): number {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    try {
      process.kill(process.ppid, 0);
      return process.ppid;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM' ? process.ppid : -1;
    }
  }
}
