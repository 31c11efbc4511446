import { describe, expect, it } from 'vitest';
import { readSchemaFile, renderSchemaFile } from '../src/graphql/schema-file.ts';

describe('schema.graphql', () => {
  it('is committed and matches the resolvers (run `npm run schema:emit` after changing them)', async () => {
    const committed = readSchemaFile();
    expect(committed, 'apps/api/schema.graphql is missing').not.toBeNull();
    expect(committed).toBe(await renderSchemaFile());
  });
});
