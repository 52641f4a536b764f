import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startEc2Emulator } from '@tsimg/cloud-emulator'
import { build, validate, type BuildEvent } from '@tsimg/core/node'
import { describe, expect, it } from 'vitest'

// A Kubernetes image-builder-style Packer JSON template: a shell provisioner, then Packer's goss
// provisioner with tests (a directory), goss_file, vars_file (per-OS maps read with index and
// range) and vars_inline (Packer functions in them), run unchanged against the EC2 emulator.

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures/image-builder')
const template = 'packer/ami/packer.json'
type Emu = Awaited<ReturnType<typeof startEc2Emulator>>
interface Own {
  emu: Emu
  stateDir: string
}

/**
 * An emulator and a state directory for one test, both removed after it: the tests share
 * nothing and wait on instance containers, so they run side by side.
 */
async function own(fn: (t: Own) => Promise<void>): Promise<void> {
  const emu = await startEc2Emulator({
    delays: { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200, snapshotCompleted: 100 },
  } as Parameters<typeof startEc2Emulator>[0])
  const stateDir = await mkdtemp(join(tmpdir(), 'tsimg-image-builder-'))
  try {
    await fn({ emu, stateDir })
  } finally {
    await emu.stop()
    await rm(stateDir, { recursive: true, force: true })
  }
}

const vars = (emu: Emu) => ({ endpoint: emu.endpoint, access_key: emu.credentials.accessKeyId, secret_key: emu.credentials.secretAccessKey })

async function run({ emu, stateDir }: Own, extra: { vars?: Record<string, string>; moveChecksToVerify?: boolean } = {}) {
  const events: BuildEvent[] = []
  const res = await build({
    templateFile: template,
    cwd: dir,
    vars: { ...vars(emu), ...extra.vars },
    stateDir,
    cleanupTimeoutMs: 120_000,
    onEvent: (e) => void events.push(e),
    ...(extra.moveChecksToVerify && { moveChecksToVerify: true }),
  })
  const lines = events.flatMap((e) => (e.type === 'ui' ? [e.text] : []))
  return { b: res.builds[0]!, lines, steps: events.flatMap((e) => (e.type === 'step-start' ? [e.step] : [])) }
}

describe.concurrent('a Kubernetes image-builder-style template with a goss provisioner', { timeout: 900_000 }, () => {
  it('validates, naming its goss provisioner', () =>
    own(async ({ emu }) => {
      const info = await validate({ templateFile: template, cwd: dir, vars: vars(emu) })
      expect(info.provisioners.map((p) => p.type)).toEqual(['shell', 'goss'])
    }))

  it('builds against the emulator: the goss checks (includes, vars_file maps, vars_inline) pass on the build machine', () =>
    own(async (t) => {
      const { emu } = t
      const { b, lines } = await run(t)
      expect(b.error?.message).toBeUndefined()
      expect(b.outcome).toBe('success')
      expect(lines).toContain(
        'goss: version, arch accepted and not used: tsimg downloads and uploads no goss binary, the checks run as shell probes over the connection',
      )
      expect(lines.some((l) => /^Running goss tests \(\d+ resources from 4 file\(s\), over the connection\)\.\.\.$/.test(l))).toBe(true)
      expect(lines.some((l) => /^Goss tests ran successfully: (\d+) passed$/.test(l) && Number(/(\d+) passed/.exec(l)![1]) >= 12)).toBe(true)
      expect(b.artifacts[0]!.id).toMatch(/^us-east-1:ami-/)
      expect(emu.ledger().filter((e) => !e.seed && e.type !== 'image' && e.type !== 'snapshot')).toEqual([])
    }))

  it('with a vars_file asking for a directory the provisioning does not make, the goss provisioner fails the build naming the check; nothing is left', () =>
    own(async (t) => {
      const { emu } = t
      const before = emu
        .ledger()
        .filter((e) => !e.seed)
        .map((e) => e.id)
      const { b } = await run(t, { vars: { goss_vars_file: 'packer/goss/goss-vars-cni.yaml' } })
      expect(b.outcome).toBe('failed')
      expect(b.error?.message).toMatch(
        /^goss validate failed: 1 of \d+ checks failed:\n {2}- File: \/etc\/cni\/net\.d: exists \(.*goss-files\.yaml:\d+\): expected true, found false$/,
      )
      expect(emu.ledger().filter((e) => !e.seed && !before.includes(e.id))).toEqual([])
    }))

  it('--move-goss-to-verify: the same goss files pass on an instance of the new AMI, before it is tagged as the artifact', () =>
    own(async (t) => {
      const { b, steps, lines } = await run(t, { moveChecksToVerify: true })
      expect(b.error?.message).toBeUndefined()
      expect(steps.indexOf('verify')).toBeGreaterThan(steps.indexOf('aws:create-image'))
      expect(steps.indexOf('verify')).toBeLessThan(steps.indexOf('aws:tag-image'))
      expect(steps).toContain('verify:aws:run-instance')
      expect(lines.some((l) => l.startsWith('Running goss tests'))).toBe(false)
      expect(b.checks!.length).toBeGreaterThanOrEqual(12)
      expect(b.checks!.filter((c) => c.outcome !== 'pass')).toEqual([])
    }))
})
