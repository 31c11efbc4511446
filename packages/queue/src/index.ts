export * from './names.ts';
export * from './fairshare.ts';
export * from './enqueue.ts';
export * from './consumer.ts';
