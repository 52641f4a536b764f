import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startHuaweiEmulator, type HuaweiEmulator } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const FIXTURE = fileURLToPath(new URL('./fixtures/failing-call.mjs', import.meta.url))
// Seeded secrets: one is the (wrong) secret key, one goes into adminPass and user_data.
const SECRET_KEY = 'seeded-sk-7f3a9c2e41d8b6a5'
const SECRET = 'seeded-password-Qz81xLw0pK'
const forms = (s: string): string[] => [s, Buffer.from(s).toString('base64').slice(0, 16)]

let emu: HuaweiEmulator
const homes: string[] = []

/** Runs the fixture in its own process with a scratch HOME; returns its output and that HOME. */
async function failingCall(mode: 'tamed' | 'raw'): Promise<{ output: string; home: string }> {
  const home = await mkdtemp(join(tmpdir(), 'tsimg-hw-home-'))
  homes.push(home)
  const { stdout, stderr } = await run(
    process.execPath,
    [FIXTURE, mode, emu.endpoint, emu.credentials.accessKeyId, SECRET_KEY, emu.projectId('cn-north-4'), SECRET],
    {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, HOME: home, DEBUG: 'DEBUG' },
    },
  )
  return { output: stdout + stderr, home }
}

beforeAll(async () => {
  emu = await startHuaweiEmulator()
})
afterAll(async () => {
  await emu?.stop()
  for (const h of homes) await rm(h, { recursive: true, force: true })
})

describe('the Huawei SDK, tamed', () => {
  it('resolves the uuid the SDK core requires without declaring it, as a version Node 20 can require (12+ is ESM-only)', () => {
    const fromCore = createRequire(createRequire(import.meta.url).resolve('@huaweicloud/huaweicloud-sdk-core'))
    const uuid = fromCore('uuid') as { v4: () => string }
    expect(uuid.v4()).toMatch(/^[0-9a-f-]{36}$/)
    expect(Number((fromCore('uuid/package.json') as { version: string }).version.split('.')[0])).toBeLessThan(12)
  })

  it('as shipped, prints the failed request with its secrets to stdout and writes ~/.huaweicloud (the traps are real)', async () => {
    const { output, home } = await failingCall('raw')
    expect(output).toContain(SECRET)
    expect(existsSync(join(home, '.huaweicloud', 'application_id'))).toBe(true)
  })

  it('through tsimg, a failing call with seeded secrets prints none of them, in no form, and leaves HOME untouched', async () => {
    const { output, home } = await failingCall('tamed')
    expect(output).toContain('error: CreatePostPaidServers failed:')
    for (const s of [...forms(SECRET), ...forms(SECRET_KEY)]) expect(output).not.toContain(s)
    expect(output).not.toContain('Authorization')
    expect(await readdir(home)).toEqual([])
  })
})
