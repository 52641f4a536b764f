import { execFileSync } from 'node:child_process'
import * as ec2 from '@aws-sdk/client-ec2'
import { backend, startEmulator, ALICLOUD_PROFILE, AWS_PROFILE, HUAWEICLOUD_PROFILE, type Emulator } from '@tsimg/cloud-emulator'
import { generateKeyPair } from '@tsimg/core/plugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostKey, ssh } from './ssh.js'

// The cloud-neutral backend with three profiles side by side, driven directly (as the
// Alibaba and Huawei front ends drive it) and through the EC2 front end.
let emu: Emulator
let cloud: backend.Cloud
const key = generateKeyPair('ed25519')

const caught = (fn: () => unknown): backend.BackendError => {
  try {
    fn()
  } catch (error) {
    if (error instanceof backend.BackendError) return error
    throw error
  }
  throw new Error('expected a BackendError')
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let n = 0; !check(); n++) {
    if (n > 3000) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

beforeAll(async () => {
  // Only 'aws' is a registered front end here; the other clouds' regions come from their profiles.
  emu = await startEmulator({
    frontEnds: ['aws'],
    seed: 7,
    delays: { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 100, snapshotCompleted: 100, jobStarted: 300 },
  })
  cloud = new backend.Cloud({ profiles: [AWS_PROFILE, ALICLOUD_PROFILE, HUAWEICLOUD_PROFILE], seed: 11, delays: emu.backend.delays })
  await cloud.start()
})
afterAll(async () => {
  await emu?.stop()
  if (cloud) await backend.shutdown(cloud)
  if (cloud) expect(execFileSync('docker', ['ps', '-aq', '--filter', `label=tsimg-emulator=${cloud.session}`], { encoding: 'utf8' }).trim()).toBe('')
})

describe('without containers', () => {
  it('throws neutral errors naming kind, resource type and id, which the EC2 front end answers with EC2 codes', async () => {
    const e = caught(() => backend.instances.getInstance(cloud, 'cn-hangzhou', 'i-bp1missing'))
    expect([e.kind, e.resource, e.id]).toEqual(['not-found', 'instance', 'i-bp1missing'])
    const tag = caught(() => cloud.tagsOf('cn-north-4', '6f1c0b9e-0000-4000-8000-000000000000'))
    expect([tag.kind, tag.resource]).toEqual(['not-found', 'id'])
    const client = new ec2.EC2Client({ region: 'us-east-1', endpoint: emu.endpoint, credentials: emu.credentials, maxAttempts: 1 })
    const err = await client.send(new ec2.DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })).catch((x: Error) => x)
    expect((err as Error).name).toBe('InvalidInstanceID.NotFound')
    const tagErr = await client
      .send(new ec2.CreateTagsCommand({ Resources: ['sg-0123456789abcdef0'], Tags: [{ Key: 'a', Value: 'b' }] }))
      .catch((x: Error) => x)
    expect((tagErr as Error).name).toBe('InvalidGroup.NotFound')
    client.destroy()
  })

  it('makes ids, instance types, zones and catalog images per cloud profile', () => {
    expect(cloud.newId('instance', 'us-east-1')).toMatch(/^i-0[0-9a-f]{16}$/)
    expect(cloud.newId('instance', 'cn-hangzhou')).toMatch(/^i-bp1[a-z0-9]{17}$/)
    expect(cloud.newId('image', 'cn-north-4')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(() => backend.instances.checkInstanceType(cloud, 'cn-hangzhou', 'ecs.g7.large')).not.toThrow()
    expect(() => backend.instances.checkInstanceType(cloud, 'cn-north-4', 's6.large.2')).not.toThrow()
    expect(caught(() => backend.instances.checkInstanceType(cloud, 'cn-hangzhou', 't3.micro')).kind).toBe('invalid-parameter')
    expect(caught(() => backend.instances.checkInstanceType(cloud, 'us-east-1', 's6.large.2')).resource).toBe('instance-type')
    const images = (region: string) => [...cloud.images.values()].filter((m) => m.region === region)
    // The default catalog: Alibaba's public image names (families included), all logging in as root.
    const ali = images('cn-hangzhou')
    expect(ali.map((m) => m.name)).toEqual(
      expect.arrayContaining(['aliyun_3_x64_20G_alibase_20240528.vhd', 'centos_7_9_x64_20G_alibase_20240628.vhd', 'ubuntu_22_04_x64_20G_alibase_20240530.vhd']),
    )
    expect(ali.every((m) => m.loginUser === 'root' && m.id.startsWith('m-bp1') && m.catalog?.family?.startsWith('acs:'))).toBe(true)
    expect(images('cn-north-4')[0]!.rootDeviceName).toBe('/dev/vda')
    expect(cloud.region('cn-hangzhou').cloud).toBe('alicloud')
    expect(caught(() => cloud.region('cn-hangzhou', 'aws')).kind).toBe('not-found')
    // AWS regions start with a default VPC; the others do not.
    expect([...cloud.vpcs.values()].filter((v) => v.region === 'cn-hangzhou')).toEqual([])
  })

  it('runs jobs pending -> running -> success or fail over time, and a job fault fails one as it starts', async () => {
    let done = false
    const ok = backend.jobs.startJob(cloud, 'cn-north-4', 'createServers', () =>
      done ? { state: 'success', entities: { server_id: 's-1' } } : { state: 'running' },
    )
    const bad = backend.jobs.startJob(cloud, 'cn-north-4', 'createImage', () => ({ state: 'fail', code: 'IMS.0010', message: 'disk error' }))
    cloud.injectFault({ action: 'job:deleteServers', code: 'Ecs.0000', times: 1 })
    const faulted = backend.jobs.startJob(cloud, 'cn-north-4', 'deleteServers', () => ({ state: 'success' }))
    expect(ok.state).toBe('pending')
    await until('job running', () => ok.state === 'running')
    expect(bad.state).toBe('fail')
    expect(bad.error).toEqual({ code: 'IMS.0010', message: 'disk error' })
    expect(faulted.state).toBe('fail')
    expect(faulted.error?.code).toBe('Ecs.0000')
    done = true
    await until('job success', () => ok.state === 'success')
    expect(ok.entities).toEqual({ server_id: 's-1' })
    expect(backend.jobs.getJob(cloud, 'cn-north-4', ok.id)).toBe(ok)
  })

  it('applies a fault only to its front end; a kind fault and throttling answer each cloud in its own code', async () => {
    cloud.injectFault({ action: 'RunInstances', cloud: 'aws', kind: 'throttled' })
    await expect(cloud.act('alicloud', 'RunInstances', () => 'ran')).resolves.toBe('ran')
    const thrown = await cloud.act('aws', 'RunInstances', () => 'ran').catch((e: unknown) => e)
    expect((thrown as backend.BackendError).kind).toBe('throttled')
    let acted = false
    cloud.injectFault({ action: 'CreateVSwitch', cloud: 'alicloud', code: 'ServiceUnavailable', phase: 'after', times: 1 })
    const lost = await cloud.act('alicloud', 'CreateVSwitch', () => (acted = true)).catch((e: unknown) => e)
    expect([acted, (lost as backend.CloudError).code]).toEqual([true, 'ServiceUnavailable'])
    cloud.faults.clear()
    emu.injectFault({ action: 'DescribeVpcs', kind: 'throttled', times: 1 })
    const client = new ec2.EC2Client({ region: 'us-east-1', endpoint: emu.endpoint, credentials: emu.credentials, maxAttempts: 1 })
    const err = await client.send(new ec2.DescribeVpcsCommand({})).catch((x: Error & { $metadata?: { httpStatusCode?: number } }) => x)
    expect([(err as Error).name, (err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode]).toEqual(['RequestLimitExceeded', 503])
    client.destroy()
  })
})

it('a key pair attached to a stopped instance is authorized at its next start, over an allocated public IP', async () => {
  const region = 'cn-hangzhou'
  const vpc = backend.network.createVpc(cloud, region, '10.0.0.0/16')
  const vsw = backend.network.createSubnet(cloud, region, { vpcId: vpc.id, cidrBlock: '10.0.1.0/24', zone: 'cn-hangzhou-i' })
  const image = [...cloud.images.values()].find((m) => m.region === region)!
  // Launched without a key and without a public address.
  const [instance] = backend.instances.runInstances(cloud, region, {
    imageId: image.id,
    instanceType: 'ecs.g7.large',
    subnetId: vsw.id,
    associatePublicIp: false,
  })
  expect(instance!.id).toMatch(/^i-bp1/)
  await until('running', () => instance!.state === 'running')
  expect(backend.publicIps.publicAddress(cloud, instance!)).toBeUndefined()

  const ip = await backend.publicIps.allocatePublicIp(cloud, region, new Map([['tsimg-build-id', 'b-1']]))
  backend.publicIps.associatePublicIp(cloud, region, ip.id, instance!.id)
  expect(backend.publicIps.publicAddress(cloud, instance!)).toBe(ip.address)
  expect(ip.address).not.toBe(instance!.address)
  // Connected through the IP's forwarder to the instance's sshd, but no key is authorized yet.
  await expect(ssh(ip.address, 'root', key.privateKey, 'true')).rejects.toThrow(/authentication/i)

  backend.instances.stopInstances(cloud, region, [instance!.id])
  await until('stopped', () => instance!.state === 'stopped')
  // The associated IP stays while stopped, as an elastic IP does.
  expect(backend.publicIps.publicAddress(cloud, instance!)).toBe(ip.address)
  const kp = backend.keys.importKeyPair(cloud, region, 'attached', key.publicKey)
  backend.keys.attachKeyPair(cloud, region, instance!.id, kp.name)
  expect(instance!.keyName).toBe('attached')
  backend.instances.startInstances(cloud, region, [instance!.id])
  await until('running again', () => instance!.state === 'running')
  expect(await ssh(backend.publicIps.publicAddress(cloud, instance!)!, 'root', key.privateKey, 'cat /var/lib/cloud/data/instance-id')).toBe(`${instance!.id}\n`)
  expect(await hostKey(ip.address)).toBe(await hostKey(instance!.address))

  // An associated IP cannot be released; after disassociation it can, and the ledger is clean.
  expect(caught(() => backend.publicIps.releasePublicIp(cloud, region, ip.id)).kind).toBe('dependency-violation')
  backend.publicIps.disassociatePublicIp(cloud, region, ip.id)
  backend.publicIps.releasePublicIp(cloud, region, ip.id)
  backend.instances.terminateInstances(cloud, region, [instance!.id])
  await until('terminated', () => instance!.state === 'terminated')
  backend.keys.deleteKeyPair(cloud, region, kp.name)
  backend.network.deleteSubnet(cloud, region, vsw.id)
  backend.network.deleteVpc(cloud, region, vpc.id)
  expect(cloud.ledger().filter((e) => !e.seed)).toEqual([])
}, 300_000)
