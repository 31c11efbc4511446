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
