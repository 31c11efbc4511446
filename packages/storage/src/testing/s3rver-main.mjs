// s3rver in its own plain-Node process (started by s3-server.ts). Plain Node, not tsx: under tsx's require
// hook koa's is-generator-function picks generator-function's "module-sync" ESM entry and breaks.
// Args: <directory> <bucket>. Prints {"port":N} once listening; exits when its stdin closes (the parent
// died or stopped it) or on SIGTERM.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = () => server.close().finally(() => process.exit(0));
process.stdin.on('end', stop).on('close', stop).resume();
process.on('SIGTERM', stop);
