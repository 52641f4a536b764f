import { execFileSync } from 'node:child_process'
import { startEmulator, type CallRecord, type Emulator } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { hasPacker, runPacker } from './alicloud-packer.js'
import { Ecs, ecsClient } from './alicloud-sdk.js'

// An independent client: Packer 1.6.6's own alicloud-ecs (Go SDK, HMAC-SHA1, plain HTTP
// through HTTP_PROXY) runs its whole flow against the emulator, SSH over the EIP included.
let emu: Emulator
const calls: (CallRecord & { scheme?: string })[] = []

beforeAll(async () => {
  emu = await startEmulator({ frontEnds: ['alicloud'], seed: 11, onCall: (c) => calls.push(c) })
})
afterAll(async () => {
  await emu?.stop()
})

// Packer polls every 5 s and retries deletes for a while: a build takes minutes on a busy machine.
it('Packer 1.6.6 alicloud-ecs builds an image over SSH through the EIP and leaves only the image and its snapshot', { timeout: 900_000 }, async () => {
  expect(await hasPacker(), 'packer 1.6.6 must be installed (scripts/setup.sh)').toBe(true)
  const run = await runPacker(new URL(emu.endpoint).host, {
    builders: [
      {
        type: 'alicloud-ecs',
        access_key: emu.credentials.accessKeyId,
        secret_key: emu.credentials.secretAccessKey,
        region: 'cn-hangzhou',
        image_name: 'packer_emulator_build',
        source_image: 'centos_7_06_64_20G_alibase_20190711.vhd',
        instance_type: 'ecs.n1.tiny',
        io_optimized: true,
        ssh_username: 'root',
        ssh_timeout: '5m',
        tags: { purpose: 'tsimg-test' },
      },
    ],
    provisioners: [{ type: 'shell', inline: ['echo provisioned-by-packer > /etc/tsimg-proof'] }],
  })
  expect(run.code, run.output).toBe(0)
  const imageId = /cn-hangzhou: (m-[a-z0-9]+)/.exec(run.output)?.[1]
  expect(imageId, run.output).toBeDefined()
  expect(run.output).toContain('Connected to SSH!')
  expect(run.output).not.toContain(emu.credentials.secretAccessKey)

  // Every call was Packer's HMAC-SHA1; its dependency retries met the emulator's hold.
  const mine = calls.filter((c) => c.cloud === 'alicloud')
  expect(mine.every((c) => c.scheme === 'HMAC-SHA1')).toBe(true)
  expect(mine.map((c) => c.action)).toEqual(expect.arrayContaining(['CreateInstance', 'AllocateEipAddress', 'AttachKeyPair', 'CreateImage', 'DeleteVpc']))

  // What Packer provisioned is in the image: its committed container holds the file.
  const image = emu.backend.images.get(imageId!)!
  expect(image.tags.get('purpose')).toBe('tsimg-test')
  expect(execFileSync('docker', ['run', '--rm', '--entrypoint', 'cat', image.dockerRef, '/etc/tsimg-proof'], { encoding: 'utf8' })).toBe(
    'provisioned-by-packer\n',
  )

  const left = emu.ledger().filter((e) => !e.seed)
  expect(left.map((e) => e.type).sort()).toEqual(['image', 'snapshot'])

  // The artifact is the user's to delete: through the Node SDK this time.
  const client = ecsClient(new URL(emu.endpoint).host, emu.credentials)
  await client.deleteImage(new Ecs.DeleteImageRequest({ regionId: 'cn-hangzhou', imageId }))
  const snapshot = left.find((e) => e.type === 'snapshot')!
  await client.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: snapshot.id }))
  expect(emu.ledger().filter((e) => !e.seed)).toEqual([])
})
