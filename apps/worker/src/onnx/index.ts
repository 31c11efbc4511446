export * from './runtime.ts';
export * from './session-tuning.ts';
