// Preloaded into the web app's process (`node --import`) by npm start: the web app (Next.js behind
// apps/web/server.ts) does not depend on the workspace packages, so the rule lives here, in plain JavaScript.
// The same rule as onParentExit (@slicewise/db/server), which the api and the worker call: when npm start is
// killed outright (SIGKILL, OOM killer) and cannot stop its children, the web app stops itself (SIGTERM to
// itself: its own graceful exit) instead of holding WEB_PORT as an orphan. `process.ppid` is read once at
// start-up, hence /proc (Linux) or a probe of the original parent.
import fs from 'node:fs';

const parent = process.ppid;

function parentNow() {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    try {
      process.kill(parent, 0);
      return parent;
    } catch (err) {
      return err.code === 'EPERM' ? parent : -1;
    }
  }
}

if (parent > 1) {
  const timer = setInterval(() => {
    if (parentNow() === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, 500);
  timer.unref();
}
