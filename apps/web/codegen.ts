// `npm run codegen -w @slicewise/web`: typed operations from the API's committed schema.
// Documents are plain strings at run time (documentMode "string"): no GraphQL parser in the browser.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: process.env.CODEGEN_SCHEMA ?? '../api/schema.graphql',
  documents: ['src/**/*.graphql'],
  ignoreNoDocuments: true,
  generates: {
    'src/generated/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        useTypeImports: true,
        // enums as const objects: the web iterates them (roles, states) instead of keeping copies
        enumType: 'const',
        scalars: { DateTime: 'string', JSONObject: 'Record<string, unknown>' },
      },
    },
  },
};

export default config;
