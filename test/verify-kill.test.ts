/**
 * `kill -9` of the tsimg CLI while the verify machine starts, on each cloud builder against the
 * emulator: the verify machine's launch call (told apart from the build's own by its request:
 * the `-verify` client token, the `tsimg-verify-` server name) is held by the emulator until the
 * test releases it. The CLI is killed while it is held; released, the call still makes the
 * machine, with nobody left to delete it. `tsimg cleanup` must then delete it, the image the
 * journal lists, and every other temporary resource, and remove the journal.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Emulator } from '@tsimg/cloud-emulator'
import { describe, expect, it } from 'vitest'
import { ALICLOUD_MATRIX } from '../packages/builder-alicloud/test/support.js'
import { AWS_MATRIX } from '../packages/builder-aws/test/support.js'
import { HUAWEI_MATRIX } from '../packages/builder-huawei/test/support.js'
import { journalFiles } from './support/cloud-build.js'
import { callAnswers, expectNoSecret, isolated, type MatrixCloud } from './support/cloud-matrix.js'
import { runTsimg } from './support/interrupt-twice.js'

const ROOT = resolve(import.meta.dirname, '..')
const CLI = join(ROOT, 'packages/core/bin/tsimg.js')
const TEMPLATE = join(import.meta.dirname, 'fixtures/verify-kill-image.ts')

interface Row {
  readonly name: string
  readonly cloud: MatrixCloud<any, any>
  /** The verify machine's launch call, and a pattern only its request matches (the build's own launch does not). */
  readonly action: string
  readonly request: string
  /** The kinds of resource, and the line the launch prints, in this cloud's words. */
  readonly machine: string
  readonly launching: RegExp
  env(emu: Emulator): Record<string, string>
}

const keys = (emu: Emulator) => emu.credentials
const ROWS: Row[] = [
  {
    name: 'amazon-ebs',
    cloud: AWS_MATRIX,
    action: 'RunInstances',
    request: '(^|\\n)ClientToken=[^\\n]*-verify(\\n|$)',
    machine: 'instance',
    launching: /Launching an AWS instance of the new AMI ami-/,
    env: (emu) => ({
      TSIMG_AWS_ENDPOINT: emu.endpoint,
      AWS_ACCESS_KEY_ID: keys(emu).accessKeyId,
      AWS_SECRET_ACCESS_KEY: keys(emu).secretAccessKey,
      AWS_REGION: 'us-east-1',
    }),
  },
  {
    name: 'alicloud-ecs',
    cloud: ALICLOUD_MATRIX,
    action: 'RunInstances',
    request: '(^|\\n)ClientToken=[^\\n]*-verify(\\n|$)',
    machine: 'instance',
    launching: /Creating an instance of the new image m-/,
    env: (emu) => ({ TSIMG_ALICLOUD_ENDPOINT: emu.endpoint, ALICLOUD_ACCESS_KEY: keys(emu).accessKeyId, ALICLOUD_SECRET_KEY: keys(emu).secretAccessKey }),
  },
  {
    name: 'huaweicloud-ecs',
    cloud: HUAWEI_MATRIX,
    action: 'CreatePostPaidServers',
    request: '^POST /v1/[^/]+/cloudservers\\n.*"name":"tsimg-verify-',
    machine: 'server',
    launching: /Creating server tsimg-verify-\S+ \(s6\.large\.2\) of the new image /,
    env: (emu) => ({ TSIMG_HUAWEI_ENDPOINT: emu.endpoint, HW_ACCESS_KEY: keys(emu).accessKeyId, HW_SECRET_KEY: keys(emu).secretAccessKey }),
  },
]

interface JournalFile {
  resources: { kind: string; description: string; pending?: boolean; data: { id?: string; token?: string } }[]
}

/** Runs `tsimg build` and kills it with SIGKILL once `held()` says the verify launch is held; resolves with its output once it is dead. */
function buildAndKill(env: NodeJS.ProcessEnv, held: () => boolean): Promise<{ out: string; signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, 'build', TEMPLATE], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    // The hold is seen in the emulator (this process), not in the output: poll it.
    const poll = setInterval(() => {
      if (!held() || child.exitCode !== null) return
      clearInterval(poll)
      child.kill('SIGKILL')
    }, 20)
    child.on('exit', (code, signal) => {
      clearInterval(poll)
      res({ out, signal, code })
    })
  })
}

describe.concurrent('kill -9 while the verify machine starts, then tsimg cleanup (emulator, container machines)', { timeout: 900_000 }, () => {
  for (const row of ROWS) {
    it(`${row.name}: killed while ${row.action} of the verify ${row.machine} is held; released, it makes the ${row.machine}; tsimg cleanup deletes it, the image and the rest, and the journal`, async () => {
      const answers = callAnswers()
      await isolated(
        row.cloud,
        async (m) => {
          let release!: () => void
          const until = new Promise<void>((r) => (release = r))
          try {
            m.emu.injectFault({ action: row.action, request: row.request, until, times: 1 })
            const env = {
              ...process.env,
              NO_COLOR: '1',
              TSIMG_STATE_DIR: m.stateDir,
              TSIMG_TEST_CLOUD: row.name,
              TSIMG_TEST_IMAGE_NAME: `tsimg-vkill-${Math.random().toString(36).slice(2, 8)}`,
              ...row.env(m.emu),
            }
            const killed = await buildAndKill(env, () => (m.emu.faultsFired()[row.action] ?? 0) >= 1)
            expect(killed.signal, killed.out).toBe('SIGKILL')
            // It died in the verify phase, as the verify machine's launch was sent.
            expect(killed.out).toMatch(/Verifying: starting a /)
            expect(killed.out).toMatch(row.launching)
            expect(killed.out).not.toMatch(/Verify passed|Verifying with/)

            // What the journal says: the verify machine (journaled before its call, no id yet) and the image.
            const files = await journalFiles(m.stateDir)
            expect(files).toHaveLength(1)
            const journal = JSON.parse(await readFile(join(m.stateDir, 'journal', files[0]!), 'utf8')) as JournalFile
            const verifyEntry = journal.resources.filter((r) => r.kind === row.machine && r.description.startsWith(`verify ${row.machine}`))
            expect(verifyEntry, JSON.stringify(journal.resources)).toEqual([
              expect.objectContaining({ pending: true, data: expect.objectContaining({ token: expect.stringMatching(/-verify$/) }) }),
            ])
            expect(verifyEntry[0]!.data.id).toBeUndefined()
            const images = journal.resources.filter((r) => r.kind === 'image').map((r) => r.data.id)
            expect(images, 'the journal lists the new image').toHaveLength(1)
            expect(images[0]).toBeTruthy()

            // Released, the held launch acts for a client that is gone: the verify machine now exists.
            const launched = answers.succeeded(row.action)
            release()
            await answers.acted(row.action, launched + 1)
            const before = m.alive()
            const verifyMachines = before.filter(
              (e: { type: string; tags: Record<string, string> }) => e.type === 'instance' && e.tags['tsimg-purpose'] === 'verify',
            )
            expect(verifyMachines, JSON.stringify(before)).toHaveLength(1)
            expect(before.map((e: { id: string }) => e.id)).toContain(images[0])

            const cleanup = await runTsimg(['cleanup'], env)
            expect(cleanup.code, cleanup.out).toBe(0)
            expect(cleanup.out).toContain('Cleanup finished')
            // The journal led cleanup to each of them: the pending verify entry found by its token
            // (not taken for the build's own machine, not left to the label search).
            expect(cleanup.out).not.toMatch(/nothing was made by that (instance|server) create/)
            expect(cleanup.out).not.toContain('found by label')
            expect(await m.leftovers(), 'what tsimg cleanup left').toEqual([])
            expect(await journalFiles(m.stateDir)).toEqual([])
            expectNoSecret(m.emu, killed.out + cleanup.out + JSON.stringify(journal))
          } finally {
            release()
          }
        },
        { onCall: answers.onCall },
      )
    })
  }
})
