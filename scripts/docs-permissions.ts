// `npm run docs:permissions`: rewrites the permission matrix in README.md from the code.
import fs from 'node:fs';
import path from 'node:path';
import { permissionTableMarkdown } from '../apps/api/src/auth/permission-table.ts';
import { root } from './workspaces.ts';

const file = path.join(root, 'README.md');
const readme = fs.readFileSync(file, 'utf8');
const next = readme.replace(/(<!-- permissions:start -->)[\s\S]*?(<!-- permissions:end -->)/, `$1\n${permissionTableMarkdown()}\n$2`);
fs.writeFileSync(file, next);
process.stdout.write(next === readme ? 'README.md permission matrix already current\n' : 'README.md permission matrix updated\n');
