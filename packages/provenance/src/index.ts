export * from './volume-provenance.ts';
