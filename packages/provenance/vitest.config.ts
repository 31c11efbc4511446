import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'provenance', include: ['src/**/*.test.ts'] } });
