import { defineConfig } from 'vitest/config';

// The packed-tarball test: slow (npm pack + npm install), so it runs apart from `npm test`.
export default defineConfig({
  test: {
    include: ['test/external/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
