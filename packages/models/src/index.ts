export * from './metadata.ts';
export * from './load.ts';
export * from './sampler-settings.ts';
export * from './quality.ts';
