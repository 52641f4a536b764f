// `kill -9` of a running `tsimg build`, then `tsimg cleanup`: the journal (and the build-id
// tags) lead cleanup to every temporary Alibaba resource the killed build left.
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { expect, it } from 'vitest'
import { journalFiles, leftovers, useEmulator } from './support.js'

const ROOT = resolve(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'packages/core/bin/tsimg.js')
const t = useEmulator({ seed: 41 })

const env = () => ({
  ...process.env, TSIMG_STATE_DIR: t.stateDir, TSIMG_ALICLOUD_ENDPOINT: t.emu.endpoint, NO_COLOR: '1',
  ALICLOUD_ACCESS_KEY: t.emu.credentials.accessKeyId, ALICLOUD_SECRET_KEY: t.emu.credentials.secretAccessKey,
})

function run(args: string[], killWhen?: RegExp): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const read = (d: Buffer) => {
      out += d.toString()
      if (killWhen?.test(out)) child.kill('SIGKILL')
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.on('exit', (code) => res({ code, out }))
  })
}

it('a build killed once it connects leaves EIP, instance, group, vSwitch, VPC and key pair; tsimg cleanup deletes them all', { timeout: 900_000 }, async () => {
  await run(['build', 'examples/alicloud/ack-node/image.ts'], /Using ssh communicator to connect/)
  const live = leftovers(t.emu).map((e) => e.type)
  expect(live).toEqual(expect.arrayContaining(['instance', 'key-pair']))
  expect(live.length).toBeGreaterThanOrEqual(5)
  const { code, out } = await run(['cleanup'])
  expect(out).toContain('Cleanup finished')
  expect(code, out).toBe(0)
  for (let i = 0; i < 100 && leftovers(t.emu).length > 0; i++) await new Promise((r) => setTimeout(r, 200))
  expect(leftovers(t.emu)).toEqual([])
  expect(await journalFiles(t.stateDir)).toEqual([])
})
