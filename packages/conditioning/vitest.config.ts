import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'conditioning', include: ['src/**/*.test.ts'] } });
