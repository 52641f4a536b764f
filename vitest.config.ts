import { defineConfig } from 'vitest/config'

// Tests import workspace packages by name; they resolve to each package's compiled dist
// (`npm test` runs `tsc -b` first), the same code the CLI and library users run.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores: containers are heavy, so integration files run one or two at a time.
    fileParallelism: true,
    maxWorkers: 2,
    env: { TESTCONTAINERS_RYUK_DISABLED: 'true' },
    // vi.stubEnv in a test is undone after it: no test sees another's environment.
    unstubEnvs: true,
    // sshd containers that many files use read-only start once per run, on first use.
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default'],
  },
})
