#!/usr/bin/env node
// `slicewise` entry point: registers tsx so the TypeScript sources run as they are (no build step).
import { register } from 'tsx/esm/api';

register();
// Ctrl-C: partial downloads stay on disk, so the same command resumes them.
process.once('SIGINT', () => {
  process.stderr.write('\nslicewise: interrupted; run the same command again to resume (verified files are kept, partial ones continue)\n');
  process.exit(130);
});
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr });
