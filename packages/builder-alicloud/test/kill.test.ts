// `kill -9` of a running `tsimg build`, then `tsimg cleanup`: the journal (and the build-id
// tags) lead cleanup to every temporary Alibaba resource the killed build left.
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { AlicloudApi } from '@tsimg/builder-alicloud/api'
import { expect, it } from 'vitest'
import { createRequire } from 'node:module'
import { journalFiles, leftovers, useEmulator } from './support.js'

const Vpc = createRequire(import.meta.url)('@alicloud/vpc20160428') as typeof import('@alicloud/vpc20160428')
const ROOT = resolve(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'packages/core/bin/tsimg.js')
const t = useEmulator({ seed: 41 })

const env = () => ({
  ...process.env,
  TSIMG_STATE_DIR: t.stateDir,
  TSIMG_ALICLOUD_ENDPOINT: t.emu.endpoint,
  NO_COLOR: '1',
  ALICLOUD_ACCESS_KEY: t.emu.credentials.accessKeyId,
  ALICLOUD_SECRET_KEY: t.emu.credentials.secretAccessKey,
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
  await run(['build', '--var', 'poll_delay=200ms', 'examples/alicloud/ack-node/image.ts'], /Using SSH communicator to connect/)
  const live = leftovers(t.emu).map((e) => e.type)
  expect(live).toEqual(expect.arrayContaining(['instance', 'key-pair']))
  expect(live.length).toBeGreaterThanOrEqual(5)
  const { code, out } = await run(['cleanup'])
  expect(out).toContain('Cleanup finished')
  expect(code, out).toBe(0)
  // deletions the emulator finishes after cleanup's answer: wait for them (the test's timeout is the bound)
  while (leftovers(t.emu).length > 0) await new Promise((r) => setTimeout(r, 200))
  expect(leftovers(t.emu)).toEqual([])
  expect(await journalFiles(t.stateDir)).toEqual([])
})

it('tsimg cleanup --sweep --cloud alicloud finds what tsimg tagged (and no journal names) and deletes it when told to', { timeout: 300_000 }, async () => {
  const api = new AlicloudApi({
    credentials: { accessKey: t.emu.credentials.accessKeyId, secretKey: t.emu.credentials.secretAccessKey, source: 'test' },
    endpoint: t.emu.endpoint,
  })
  const signal = new AbortController().signal
  const tag = [
    new Vpc.CreateVpcRequestTag({ key: 'tsimg-build-id', value: 'tsimg-orphan' }),
    new Vpc.CreateVpcRequestTag({ key: 'tsimg-created-at', value: '2020-01-01T00:00:00.000Z' }),
  ]
  await api.vpc('CreateVpc', 'cn-beijing', (c) => c.createVpc(new Vpc.CreateVpcRequest({ regionId: 'cn-beijing', cidrBlock: '10.0.0.0/16', tag })), { signal })
  expect(leftovers(t.emu).map((e) => e.type)).toEqual(['vpc'])
  const { code, out } = await run([
    'cleanup',
    '--sweep',
    '--cloud',
    'alicloud',
    '--region',
    'cn-beijing',
    '--endpoint',
    t.emu.endpoint,
    '--older-than',
    '1h',
    '--yes',
  ])
  expect(code, out).toBe(0)
  expect(out).toContain('tsimg-orphan')
  expect(leftovers(t.emu)).toEqual([])
})
