import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'sampler', include: ['src/**/*.test.ts'] } });
