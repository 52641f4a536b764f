// `tsimg cleanup` (and `--sweep`) after kill -9 without HW_* credentials says at once which
// variables it read and which were missing (not 45 s of retries and an empty reason); with
// them, 0 left.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliEnv, journalFiles, leftovers, REGION, ROOT, tsimg, useEmulator } from './support.js'

const t = useEmulator()
const CLI = join(ROOT, 'packages/core/bin/tsimg.js')

function withoutCredentials(args: string[]): Promise<{ code: number | null; out: string }> {
  const env = cliEnv(t.emu, t.stateDir)
  for (const k of ['HW_ACCESS_KEY', 'HW_SECRET_KEY', 'HW_SECURITY_TOKEN']) delete env[k]
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => res({ code, out }))
  })
}

const READ =
  'no usable Huawei Cloud credentials; tsimg read: HW_ACCESS_KEY: not set; HW_SECRET_KEY: not set; HW_SECURITY_TOKEN: not set (only for temporary credentials)'

describe('tsimg cleanup without Huawei credentials', () => {
  it('after kill -9: cleanup and --sweep name HW_ACCESS_KEY / HW_SECRET_KEY as missing at once and delete nothing; with them: 0 left', async () => {
    const killed = await tsimg(
      t.emu,
      t.stateDir,
      ['build', '--var', `manifest=${join(t.stateDir, 'manifest.json')}`, 'examples/huaweicloud/image.ts'],
      (o, child) => {
        if (o.includes('Connected to SSH!') && child.exitCode === null) child.kill('SIGKILL')
      },
    )
    expect(killed.code).toBeNull()
    const before = leftovers(t.emu)
      .map((e) => e.id)
      .sort()
    expect(leftovers(t.emu).map((e) => e.type)).toContain('instance')
    const journals = await journalFiles(t.stateDir)

    const without = await withoutCredentials(['cleanup'])
    expect(without.code).toBe(1)
    expect(without.out).toContain(READ)
    expect(without.out).toContain('Set HW_ACCESS_KEY and HW_SECRET_KEY')
    expect(without.out.match(/tsimg read:/g)).toHaveLength(1)
    expect(without.out).toContain('not deleted: no usable Huawei Cloud credentials (see above)')
    // No call was tried: no retries, no empty reason.
    expect(without.out).not.toMatch(/after \d+ attempts|KeystoneListProjects/)
    const listed = Number(/\((\d+) resource\(s\)\):/.exec(without.out)?.[1])
    expect(without.out).toContain(`of the ${listed} listed resource(s) could not be deleted`)
    expect(
      leftovers(t.emu)
        .map((e) => e.id)
        .sort(),
    ).toEqual(before)
    expect(await journalFiles(t.stateDir)).toEqual(journals)

    const sweep = await withoutCredentials(['cleanup', '--sweep', '--cloud', 'huaweicloud', '--region', REGION, '--endpoint', t.emu.endpoint, '--yes'])
    expect(sweep.code).toBe(1)
    expect(sweep.out).toContain(READ)
    expect(sweep.out).not.toMatch(/after \d+ attempts|KeystoneListProjects/)

    const withThem = await tsimg(t.emu, t.stateDir, ['cleanup'])
    expect(withThem.code, withThem.out).toBe(0)
    expect(leftovers(t.emu)).toEqual([])
    expect(await journalFiles(t.stateDir)).toEqual([])
  }, 900_000)
})
