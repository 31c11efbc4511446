// Lint rules that keep the architecture honest (house-style.md):
//  - only repositories (*.repository.ts) and the db package import the Prisma client;
//  - nothing in packages/ imports from apps/;
//  - the web app imports only TYPES from workspace packages (their code is for Node; data comes from the API)
//    and reaches its own modules through the @/ alias, never by climbing ../ folders.
import tseslint from 'typescript-eslint';

const prismaImports = {
  paths: [
    { name: '@slicewise/db', message: 'Only *.repository.ts files may import the Prisma client (@slicewise/db). Call a repository instead.' },
    { name: '@prisma/client', message: 'Only packages/db imports @prisma/client.' },
  ],
  patterns: [{ group: ['**/generated/client*', '**/packages/db/src/*', '!**/packages/db/src/server*', '!**/packages/db/src/testing*'], message: 'Import @slicewise/db (repositories only) or @slicewise/db/server.' }],
};

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/.next/**', '**/generated/**', '**/dist/**', '.data/**', 'models/**', '.scratch/**', '**/*.js', '**/*.mjs', '**/next-env.d.ts'],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-imports': ['error', prismaImports],
    },
  },
  {
    files: ['**/*.repository.ts', 'packages/db/**', 'prisma.config.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['packages/**/*.ts'],
    ignores: ['packages/db/**'],
    rules: {
      'no-restricted-imports': ['error', { ...prismaImports, patterns: [...prismaImports.patterns, { group: ['**/apps/**', '@slicewise/api', '@slicewise/worker', '@slicewise/web'], message: 'packages/ never import from apps/.' }] }],
    },
  },
  {
    files: ['apps/web/**/*.{ts,tsx}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@slicewise/*'], allowTypeImports: true, message: 'The web imports only types from workspace packages (import type …); values come from the API.' },
            { group: ['../*'], message: 'Import through the @/ alias (apps/web/src), not ../ paths.' },
          ],
        },
      ],
    },
  },
);
