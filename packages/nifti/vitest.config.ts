import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'nifti', include: ['src/**/*.test.ts'] } });
