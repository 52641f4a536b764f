import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'
import { BaseSequencer, type TestSpecification } from 'vitest/node'

/**
 * The longest files, longest first (whole-suite durations at 2 workers, after issue 16's
 * speed-ups: from about 100 s down to about 25 s). They wait out cloud holds, boot containers,
 * run Packer. On a fresh clone vitest knows no durations and starts the largest files first;
 * one of these started last would run alone on one worker while the other sits idle, so they
 * start first. After a run vitest's own cache (longest first) takes over for the rest; this
 * list only needs the long poles, not an exact order. A file that gets much faster or slower
 * moves in or out of it (compare a whole run's per-file durations).
 */
const LONG_FIRST = [
  'packages/builder-docker/test/plain-image.test.ts',
  'test/verify-clouds.test.ts',
  'packages/packer-template/test/seed-alicloud-packer.test.ts',
  'packages/builder-huawei/test/slow-create-late.test.ts',
  'packages/packer-template/test/seed-alicloud-build.test.ts',
  'packages/builder-alicloud/test/slow-create-late.test.ts',
  'packages/builder-huawei/test/build.test.ts',
  'packages/provisioner-ansible/test/ansible.test.ts',
  'packages/provisioner-ansible/test/example.test.ts',
  'packages/builder-aws/test/slow-create-cancel.test.ts',
  'packages/cloud-emulator/test/alicloud-packer.test.ts',
  'packages/builder-alicloud/test/interrupt-twice.test.ts',
  'packages/packer-template/test/public-images-build.test.ts',
  'test/verify-kill.test.ts',
  'packages/builder-aws/test/optional-parts.test.ts',
  'packages/packer-template/test/template-values.test.ts',
  'packages/builder-alicloud/test/examples.test.ts',
  'packages/builder-vsphere/test/failure-matrix.test.ts',
  'packages/builder-huawei/test/example.test.ts',
  'packages/builder-aws/test/example.test.ts',
  'packages/builder-docker/test/kill-matrix.test.ts',
]
// A renamed or removed file must leave the list too, or the list quietly stops working.
for (const p of LONG_FIRST) if (!existsSync(resolve(import.meta.dirname, p))) throw new Error(`vitest.config.ts: LONG_FIRST names ${p}, which does not exist`)

class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const rank = (f: TestSpecification) => {
      const i = LONG_FIRST.findIndex((p) => f.moduleId.endsWith(`/${p}`))
      return i < 0 ? LONG_FIRST.length : i
    }
    // Array.prototype.sort is stable: files off the list keep vitest's order after the long ones.
    return sorted.sort((a, b) => rank(a) - rank(b))
  }
}

// Tests import workspace packages by name; they resolve to each package's compiled dist
// (`npm test` runs `tsc -b` first), the same code the CLI and library users run.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Three files at a time on two cores: much of a file's time is waiting (emulator holds, SDK
    // timeouts, container boots), so a third file fills it. A whole run with two workers kept
    // both busy for 790 of its 1,034 s and summed 1,793 s of file time, over 15 minutes however packed.
    fileParallelism: true,
    maxWorkers: 3,
    sequence: { sequencer: LongFirstSequencer },
    env: { TESTCONTAINERS_RYUK_DISABLED: 'true' },
    // vi.stubEnv in a test is undone after it: no test sees another's environment.
    unstubEnvs: true,
    // sshd containers that many files use read-only start once per run, on first use.
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default'],
  },
})
