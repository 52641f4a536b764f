// `tsimg cleanup` after kill -9 without usable credentials says at once which variables,
// profile and files it read and what each held; with the credentials, it deletes everything.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, journalFiles, leftovers, removeDir, startEmulator, tempStateDir, type Emulator } from './support.js'

const CLI = resolve(import.meta.dirname, '../../core/bin/tsimg.js')
const TEMPLATE = resolve(import.meta.dirname, 'fixtures/slow-image.ts')

let emu: Emulator
let stateDir: string
let home: string
beforeAll(async () => {
  emu = await startEmulator()
  stateDir = await tempStateDir()
  home = await mkdtemp(join(tmpdir(), 'tsimg-home-'))
})
afterAll(async () => {
  await emu?.stop()
  await removeDir(stateDir)
  await rm(home, { recursive: true, force: true })
})

function run(args: string[], env: NodeJS.ProcessEnv, killWhen?: RegExp): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const add = (d: Buffer) => {
      out += d.toString()
      if (killWhen?.test(out) && child.exitCode === null) child.kill('SIGKILL')
    }
    child.stdout.on('data', add)
    child.stderr.on('data', add)
    child.on('exit', (code) => res({ code, out }))
  })
}

/** The emulator's environment without any AWS credential: no keys, no profile, an empty home, no instance metadata. */
function withoutCredentials(): NodeJS.ProcessEnv {
  const env = { ...cliEnv(emu, stateDir), HOME: home, AWS_EC2_METADATA_DISABLED: 'true' }
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE'])
    delete env[k]
  return env
}

describe('tsimg cleanup without AWS credentials', { timeout: 900_000 }, () => {
  it('after kill -9: names every place it read and what was missing, deletes nothing, keeps the journal; with credentials: 0 left', async () => {
    await run(['build', TEMPLATE], { ...cliEnv(emu, stateDir), TSIMG_TEST_SLEEP: '300', TSIMG_TEST_AMI_NAME: 'tsimg-creds-1' }, /Connected to SSH/)
    expect(leftovers(emu).map((e) => e.type)).toEqual(expect.arrayContaining(['instance', 'key-pair', 'security-group']))
    const journals = await journalFiles(stateDir)
    expect(journals).toHaveLength(1)

    const without = await run(['cleanup'], withoutCredentials())
    expect(without.code).toBe(1)
    const o = without.out
    expect(o).toContain('no usable AWS credentials; tsimg read: AWS_ACCESS_KEY_ID: not set, AWS_SECRET_ACCESS_KEY: not set')
    expect(o).toContain(`profile 'default' (no AWS_PROFILE: the default) in ${join(home, '.aws', 'credentials')}: no such file`)
    expect(o).toContain('EC2 instance metadata: disabled (AWS_EC2_METADATA_DISABLED)')
    expect(o).toContain('Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY')
    // Said in full once for the build's place; each entry it stops then names only its gist.
    expect(o.match(/tsimg read:/g)).toHaveLength(1)
    expect(o).toContain('not deleted: no usable AWS credentials (see above)')
    // No SDK wording, no retries.
    expect(o).not.toContain('Could not load credentials from any providers')
    expect(o).not.toMatch(/after \d+ attempts/)
    // Counted like the listing.
    const listed = Number(/\((\d+) resource\(s\)\):/.exec(o)?.[1])
    expect(o).toContain(`of the ${listed} listed resource(s) could not be deleted`)
    expect(leftovers(emu).map((e) => e.type)).toEqual(expect.arrayContaining(['instance', 'key-pair', 'security-group']))
    expect(await journalFiles(stateDir)).toEqual(journals)

    const withCreds = await run(['cleanup'], cliEnv(emu, stateDir))
    expect(withCreds.out).toContain('Cleanup finished')
    expect(withCreds.code).toBe(0)
    expect(leftovers(emu)).toEqual([])
    expect(await journalFiles(stateDir)).toEqual([])
  })
})
