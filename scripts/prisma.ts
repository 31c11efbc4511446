// Runs the Prisma CLI offline (stack-notes.md): `npm run db:generate`, `npm run db:migrate`.
// Commands that need a database use DATABASE_URL, else the embedded PostgreSQL of `npm start`.
import path from 'node:path';
import { migrateDatabase, resolveDatabase, runPrismaCli } from '@slicewise/db/server';

const args = process.argv.slice(2);
if (args[0] === 'generate') {
  await runPrismaCli(['generate'], process.env.DATABASE_URL ?? 'postgresql://unused@localhost/unused');
  process.stdout.write('Prisma client generated in packages/db/src/generated\n');
} else {
  const db = await resolveDatabase({
    databaseUrl: process.env.DATABASE_URL,
    embeddedDataDir: path.resolve(process.env.SLICEWISE_DATA_DIR ?? '.data', 'postgres'),
    embeddedPort: Number(process.env.SLICEWISE_PG_PORT ?? 54329),
  });
  try {
    if (args.join(' ') === 'migrate deploy') {
      const r = await migrateDatabase(db.url);
      process.stdout.write(r.skipped ? 'Database is up to date\n' : `Applied: ${r.applied.join(', ')}\n`);
    } else {
      process.stdout.write(await runPrismaCli(args, db.url));
    }
  } finally {
    await db.stop();
  }
}
