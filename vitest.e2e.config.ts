import { defineConfig } from 'vitest/config';

// The browser end-to-end tests alone (`npm run test:e2e`); `npm test` runs them too.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
