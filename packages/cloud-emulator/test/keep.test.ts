import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ec2 from '@aws-sdk/client-ec2'
import { startEc2Emulator, sweep, CATALOG_OWNER_ID } from '@tsimg/cloud-emulator'
import { afterAll, expect, it } from 'vitest'
import { generateKeyPair } from '@tsimg/core/plugin'
import { ssh } from './ssh.js'

// An AMI kept at stop() is a source for the next emulator session, and survives sweeps.
const stateDir = mkdtempSync(join(tmpdir(), 'tsimg-emu-state-'))
// ssh2's own generator makes an unreadable ed25519 key about once in 128; core's checks it.
const key = generateKeyPair('ed25519')
const images = (repo: string): string => execFileSync('docker', ['images', '-q', repo], { encoding: 'utf8' }).trim()
afterAll(() => rmSync(stateDir, { recursive: true, force: true }))

async function boot(client: ec2.EC2Client, imageId: string): Promise<string> {
  const id = (await client.send(new ec2.RunInstancesCommand({ ImageId: imageId, KeyName: 'k', MinCount: 1, MaxCount: 1 }))).Instances![0]!.InstanceId!
  await ec2.waitUntilInstanceRunning({ client, maxWaitTime: 90, minDelay: 1, maxDelay: 2 }, { InstanceIds: [id] })
  return id
}

it('keeps a made AMI across sessions with keepImages and stateDir; deregistering it later removes its docker image', async () => {
  const delays = { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 100, snapshotCompleted: 100 }
  const first = await startEc2Emulator({ stateDir, keepImages: true, delays })
  let amiId: string
  try {
    const client = new ec2.EC2Client({ region: 'us-east-1', endpoint: first.endpoint, credentials: first.credentials })
    await client.send(new ec2.ImportKeyPairCommand({ KeyName: 'k', PublicKeyMaterial: Buffer.from(key.publicKey) }))
    const base = (await client.send(new ec2.DescribeImagesCommand({ Owners: [CATALOG_OWNER_ID] }))).Images![0]!.ImageId!
    const id = await boot(client, base)
    const host = (await client.send(new ec2.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!.PublicIpAddress!
    await ssh(host, 'admin', key.privateKey, 'echo kept | sudo -n tee /etc/kept >/dev/null')
    amiId = (await client.send(new ec2.CreateImageCommand({ InstanceId: id, Name: 'kept-image' }))).ImageId!
    await ec2.waitUntilImageAvailable({ client, maxWaitTime: 90, minDelay: 1, maxDelay: 2 }, { ImageIds: [amiId] })
  } finally {
    await first.stop()
  }
  const keptRepo = `tsimg-emulator-kept/${first.backend.session}`
  expect(images(keptRepo)).not.toBe('')
  await sweep({ session: first.backend.session }) // even a sweep aimed at that session spares kept images
  expect(images(keptRepo)).not.toBe('')

  const second = await startEc2Emulator({ stateDir, delays })
  try {
    const client = new ec2.EC2Client({ region: 'us-east-1', endpoint: second.endpoint, credentials: second.credentials })
    const mine = await client.send(new ec2.DescribeImagesCommand({ Owners: ['self'] }))
    expect(mine.Images?.map((m) => [m.ImageId, m.Name, m.State])).toEqual([[amiId, 'kept-image', 'available']])
    await client.send(new ec2.ImportKeyPairCommand({ KeyName: 'k', PublicKeyMaterial: Buffer.from(key.publicKey) }))
    const id = await boot(client, amiId)
    const host = (await client.send(new ec2.DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!.PublicIpAddress!
    expect(await ssh(host, 'admin', key.privateKey, 'cat /etc/kept')).toBe('kept\n')
    await client.send(new ec2.TerminateInstancesCommand({ InstanceIds: [id] }))
    await ec2.waitUntilInstanceTerminated({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { InstanceIds: [id] })
    await client.send(new ec2.DeregisterImageCommand({ ImageId: amiId, DeleteAssociatedSnapshots: true }))
    expect(images(keptRepo)).toBe('')
  } finally {
    await second.stop()
    execFileSync('docker', ['rmi', '-f', `${keptRepo}:${amiId}`], { stdio: 'ignore' })
  }
})
