// Entry of the CPU worker threads (piscina). The tasks are TypeScript, and a worker thread does not
// get the parent's module hooks (`node --import tsx`), so tsx's loader is registered here first.
import { register } from 'tsx/esm/api';

register();
const tasks = await import('./cpu.tasks.ts');

export default function run(task) {
  return tasks.runTask(task);
}
