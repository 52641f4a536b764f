// A create the server holds past the SDK's ordinary per-call timeout (60 s), cancelled while
// it is held: the request waits for the kit's create bound instead, so the cancelled build's
// cleanup awaits the real answer and deletes what it made; nothing appears after the build.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startHuaweiEmulator, type CallRecord, type HuaweiEmulator } from '@tsimg/cloud-emulator'
import { emulatorSource, expectNothingLeft, leftovers, runBuild } from './support.js'

const LATE_MS = 65_000

const answered: CallRecord[] = []
const waiters: Array<() => void> = []
const t = {} as { emu: HuaweiEmulator; stateDir: string }
beforeAll(async () => {
  t.emu = await startHuaweiEmulator({
    delays: { jobStarted: 100, instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200 },
    onCall: (c) => {
      answered.push(c)
      for (const w of waiters.splice(0)) w()
    },
  })
  t.stateDir = await mkdtemp(join(tmpdir(), 'tsimg-huawei-late-'))
})
afterEach(() => {
  t.emu?.clearFaults()
  answered.length = 0
})
afterAll(async () => {
  await t.emu?.stop()
  if (t.stateDir) await rm(t.stateDir, { recursive: true, force: true })
})

/** Resolves once the emulator has answered `action` (the held call acted and replied), however late. */
async function acted(action: string): Promise<void> {
  while (!answered.some((c) => c.action === action && c.status < 300)) await new Promise<void>((r) => waiters.push(r))
}

/** Every create, and the line said just before it is sent. */
const creates = [
  { action: 'NovaCreateKeypair', before: 'Creating temporary keypair' },
  { action: 'CreateVpc', before: 'Creating temporary VPC' },
  { action: 'CreateSubnet', before: 'Creating temporary subnet' },
  { action: 'CreateSecurityGroup', before: 'Creating temporary security group' },
  { action: 'CreatePostPaidServers', before: 'Creating server' },
  { action: 'CreateImage', before: 'Creating image' },
] as const

describe('a create the server holds past the SDK timeout, cancelled meanwhile, leaves nothing, now or later', { timeout: 600_000 }, () => {
  it.each(creates)('cancelled while $action is held 65 s (it acts at the end): the build waits for it, deletes it, and nothing appears later', async ({ action, before }) => {
    const firedBefore = t.emu.faultsFired()[action] ?? 0
    t.emu.injectFault({ action, cloud: 'huaweicloud', delayMs: LATE_MS, times: 1 })
    const ac = new AbortController()
    let poll: NodeJS.Timeout | undefined
    const r = await runBuild(emulatorSource(t.emu), {
      stateDir: t.stateDir,
      signal: ac.signal,
      // Cancel once the server holds the request (the fault counts it as it starts waiting).
      onLine: (line) => {
        if (!line.startsWith(before)) return
        poll ??= setInterval(() => {
          if ((t.emu.faultsFired()[action] ?? 0) > firedBefore) {
            clearInterval(poll)
            ac.abort()
          }
        }, 20)
      },
    })
    clearInterval(poll)
    expect(r.summary.outcome, r.summary.error?.message).toBe('cancelled')
    expect((t.emu.faultsFired()[action] ?? 0) - firedBefore).toBe(1)
    // The build did not exit before the held call acted: the emulator had answered it already.
    expect(answered.filter((c) => c.action === action).map((c) => c.status < 300)).toEqual([true])
    await expectNothingLeft(t.emu, t.stateDir, r)
    await acted(action)
    expect(leftovers(t.emu)).toEqual([])
  })
})
