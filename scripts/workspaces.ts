import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Workspace folders (apps/*, packages/*, e2e) and the Python client's TypeScript test stack, with a tsconfig.json. */
export function tsWorkspaces(): string[] {
  const dirs = ['apps', 'packages'].flatMap((d) => fs.readdirSync(path.join(root, d)).map((n) => path.join(d, n)));
  return [...dirs, 'e2e', 'clients/python/tests', '.'].filter((d) => fs.existsSync(path.join(root, d, 'tsconfig.json')));
}
