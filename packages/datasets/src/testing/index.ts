// Test helpers (fake versions, in-memory storage) for this package's tests, the CLI's tests and benchmarks.
export { FixtureRng, qcFixture, writeFakeVersion, type FakeVersionOptions } from './fixture.ts';
export { MemoryStorage } from './memory-storage.ts';
