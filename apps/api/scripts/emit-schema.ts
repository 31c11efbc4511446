import fs from 'node:fs';
import { renderSchemaFile, SCHEMA_FILE } from '../src/graphql/schema-file.ts';

fs.writeFileSync(SCHEMA_FILE, await renderSchemaFile());
process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
