export * from './metadata.ts';
export * from './load.ts';
