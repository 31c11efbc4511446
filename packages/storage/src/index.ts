export * from './storage.ts';
export { LocalStorage, readAll } from './local.ts';
