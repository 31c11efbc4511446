// Entry of the CPU worker threads (piscina). The tasks are TypeScript, and a worker thread does not
// get the parent's module hooks (`node --import tsx`), so tsx's loader is registered here first.
import os from 'node:os';
import { register } from 'tsx/esm/api';

// Background work yields the CPU to the thread that answers requests: on Linux a thread has its own
// nice value, and pid 0 means this thread only (the event loop keeps its priority).
try {
  os.setPriority(0, 10);
} catch {
  /* not permitted here: run at normal priority */
}
register();
const tasks = await import('./cpu.tasks.ts');

export default function run(task) {
  return tasks.runTask(task);
}
