// `tsimg cleanup` (and `--sweep`) after kill -9 without usable Alibaba credentials says at
// once which variables and CLI profile it read and what each held; with them, 0 left.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { journalFiles, settledLeftovers, leftovers, useEmulator } from './support.js'

const ROOT = resolve(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'packages/core/bin/tsimg.js')
const t = useEmulator({ seed: 43 })
let home: string
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'tsimg-home-'))
})
afterAll(async () => {
  await rm(home, { recursive: true, force: true })
})

const withCredentials = () => ({
  ...process.env,
  TSIMG_STATE_DIR: t.stateDir,
  TSIMG_ALICLOUD_ENDPOINT: t.emu.endpoint,
  NO_COLOR: '1',
  ALICLOUD_ACCESS_KEY: t.emu.credentials.accessKeyId,
  ALICLOUD_SECRET_KEY: t.emu.credentials.secretAccessKey,
})
/** No keys, no profile, an empty home (so no ~/.aliyun/config.json). */
function withoutCredentials(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...withCredentials(), HOME: home }
  for (const k of ['ALICLOUD_ACCESS_KEY', 'ALICLOUD_SECRET_KEY', 'ALICLOUD_SECURITY_TOKEN', 'ALICLOUD_PROFILE', 'ALICLOUD_SHARED_CREDENTIALS_FILE'])
    delete env[k]
  return env
}

function run(args: string[], env: NodeJS.ProcessEnv, killWhen?: RegExp): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const read = (d: Buffer) => {
      out += d.toString()
      if (killWhen?.test(out) && child.exitCode === null) child.kill('SIGKILL')
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.on('exit', (code) => res({ code, out }))
  })
}

const READ = `ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY: not set; profile 'default' (the default) in `

it(
  'after kill -9, without credentials: cleanup and --sweep name what they read and what was missing, delete nothing; with them: 0 left',
  { timeout: 900_000 },
  async () => {
    await run(['build', 'examples/alicloud/ack-node/image.ts'], withCredentials(), /communicator to connect/)
    const before = leftovers(t.emu)
      .map((e) => e.id)
      .sort()
    expect(leftovers(t.emu).map((e) => e.type)).toEqual(expect.arrayContaining(['instance', 'key-pair']))
    const journals = await journalFiles(t.stateDir)

    const without = await run(['cleanup'], withoutCredentials())
    expect(without.code).toBe(1)
    expect(without.out).toContain(`no usable Alibaba Cloud credentials; tsimg read: ${READ}${join(home, '.aliyun', 'config.json')}: no such file`)
    expect(without.out).toContain('Set ALICLOUD_ACCESS_KEY and ALICLOUD_SECRET_KEY')
    expect(without.out.match(/tsimg read:/g)).toHaveLength(1)
    expect(without.out).toContain('not deleted: no usable Alibaba Cloud credentials (see above)')
    const listed = Number(/\((\d+) resource\(s\)\):/.exec(without.out)?.[1])
    expect(without.out).toContain(`of the ${listed} listed resource(s) could not be deleted`)
    expect(without.out).not.toMatch(/after \d+ attempts/)
    expect(
      leftovers(t.emu)
        .map((e) => e.id)
        .sort(),
    ).toEqual(before)
    expect(await journalFiles(t.stateDir)).toEqual(journals)

    const sweep = await run(
      ['cleanup', '--sweep', '--cloud', 'alicloud', '--region', 'cn-beijing', '--endpoint', t.emu.endpoint, '--yes'],
      withoutCredentials(),
    )
    expect(sweep.code).toBe(1)
    expect(sweep.out).toContain(`no usable Alibaba Cloud credentials; tsimg read: ${READ}`)
    expect(
      leftovers(t.emu)
        .map((e) => e.id)
        .sort(),
    ).toEqual(before)

    const withThem = await run(['cleanup'], withCredentials())
    expect(withThem.out).toContain('Cleanup finished')
    expect(withThem.code, withThem.out).toBe(0)
    expect(await settledLeftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  },
)
