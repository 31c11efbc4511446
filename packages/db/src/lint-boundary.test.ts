// The architecture rule "only repositories know Prisma" is enforced by ESLint; prove it bites.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './migrate.ts';

const eslint = new ESLint({ cwd: repoRoot });

async function errorsFor(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return r!.messages.filter((m) => m.severity === 2).map((m) => m.ruleId ?? m.message);
}

const IMPORT_PRISMA = "import { PrismaClient } from '@slicewise/db';\nexport const x: PrismaClient | null = null;\n";

describe('Prisma boundary', () => {
  it('refuses the Prisma client in a service, a resolver and a package', async () => {
    expect(await errorsFor('apps/api/src/projects/project.service.ts', IMPORT_PRISMA)).toContain('no-restricted-imports');
    expect(await errorsFor('apps/api/src/projects/project.resolver.ts', IMPORT_PRISMA)).toContain('no-restricted-imports');
    expect(await errorsFor('packages/conditioning/src/x.ts', IMPORT_PRISMA)).toContain('no-restricted-imports');
    expect(await errorsFor('apps/api/src/x.ts', "import '../../../packages/db/src/generated/client.ts';\n")).toContain('no-restricted-imports');
  });

  it('allows it in repositories and lets everyone use the lifecycle entry point', async () => {
    expect(await errorsFor('apps/api/src/projects/project.repository.ts', IMPORT_PRISMA)).toEqual([]);
    expect(await errorsFor('apps/worker/src/main.ts', "import { resolveDatabase } from '@slicewise/db/server';\nexport const r = resolveDatabase;\n")).toEqual([]);
  });

  it('keeps packages/ independent of apps/', async () => {
    expect(await errorsFor('packages/sampler/src/x.ts', "import { x } from '@slicewise/api';\nexport const y = x;\n")).toContain('no-restricted-imports');
  });
});
