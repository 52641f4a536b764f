import * as ec2 from '@aws-sdk/client-ec2'
import { startEc2Emulator, type Ec2Emulator } from '@tsimg/cloud-emulator'
import { generateKeyPair } from '@tsimg/core/plugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// The module the running front end reads parameters with (the same file the package entry loads).
import { Reader } from '../dist/ec2/query.js'
import { checkAnswer, inputHas, operation, type CheckReport } from './support/ec2-model.js'
import { recordingProxy, type Exchange } from './support/recording-proxy.js'

// The EC2 front end against the AWS SDK's own service model (the Smithy schemas inside
// @aws-sdk/client-ec2): every element of every XML answer of a whole amazon-ebs-like flow is a
// member of the operation's output shape and parses as its type (the SDK drops undeclared
// elements silently, so an emulator-only field would go unnoticed by SDK-based tests), and every
// request parameter the front end reads is a member of the operation's input shape (by its
// ec2QueryName), so the emulator does not answer to names the real API never sends.
let emu: Ec2Emulator
let proxy: Awaited<ReturnType<typeof recordingProxy>>
/** action -> parameter paths the front end read (list positions left out). */
const reads = new Map<string, Set<string>>()

function instrumentReader(): () => void {
  const proto = Reader.prototype as unknown as Record<string, (...a: unknown[]) => unknown>
  const pathOf = new WeakMap<object, { action: string; path: string[] }>()
  const saved: Record<string, (...a: unknown[]) => unknown> = {}
  const where = (r: object): { action: string; path: string[] } => {
    let w = pathOf.get(r)
    if (!w) {
      w = { action: String((r as { params: Record<string, unknown> }).params.Action ?? ''), path: [] }
      pathOf.set(r, w)
    }
    return w
  }
  for (const name of ['str', 'required', 'bool', 'int', 'list', 'structs', 'struct']) {
    const original = proto[name]!
    saved[name] = original
    proto[name] = function (this: object, key: unknown, ...rest: unknown[]) {
      const w = where(this)
      const out = original.call(this, key, ...rest)
      const path = [...w.path, String(key)]
      if (!(w.path.length === 0 && (key === 'Action' || key === 'Version'))) {
        if (!reads.has(w.action)) reads.set(w.action, new Set())
        reads.get(w.action)!.add(path.join('.'))
      }
      const children = name === 'structs' ? (out as object[]) : name === 'struct' && out ? [out as object] : []
      for (const c of children) pathOf.set(c, { action: w.action, path })
      return out
    }
  }
  return () => Object.assign(proto, saved)
}

let restore: () => void
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

beforeAll(async () => {
  restore = instrumentReader()
  emu = await startEc2Emulator({
    seed: 31,
    delays: { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200, snapshotCompleted: 100 },
  })
  proxy = await recordingProxy(emu.endpoint)
  const c = new ec2.EC2Client({ region: 'us-east-1', endpoint: proxy.endpoint, credentials: emu.credentials })
  // Polls until the state is reached; the test's own timeout is the only limit.
  const until = async (_what: string, ok: () => Promise<boolean>): Promise<void> => {
    while (!(await ok())) await sleep(100)
  }
  await c.send(new ec2.DescribeRegionsCommand({}))
  await c.send(new ec2.DescribeAvailabilityZonesCommand({}))
  const images = await c.send(
    new ec2.DescribeImagesCommand({
      Owners: ['099720109477'],
      Filters: [
        { Name: 'name', Values: ['ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*'] },
        { Name: 'state', Values: ['available'] },
      ],
    }),
  )
  const imageId = images.Images![0]!.ImageId!
  const vpcs = await c.send(new ec2.DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))
  const vpcId = vpcs.Vpcs![0]!.VpcId!
  await c.send(new ec2.DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))
  const own = await c.send(
    new ec2.CreateVpcCommand({ CidrBlock: '10.8.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'model' }] }] }),
  )
  const sub = await c.send(new ec2.CreateSubnetCommand({ VpcId: own.Vpc!.VpcId!, CidrBlock: '10.8.1.0/24', AvailabilityZone: 'us-east-1a' }))
  await c.send(new ec2.ModifySubnetAttributeCommand({ SubnetId: sub.Subnet!.SubnetId!, MapPublicIpOnLaunch: { Value: true } }))
  const sg = await c.send(
    new ec2.CreateSecurityGroupCommand({
      GroupName: 'model-sg',
      Description: 'model check',
      VpcId: vpcId,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'k', Value: 'v' }] }],
    }),
  )
  await c.send(
    new ec2.AuthorizeSecurityGroupIngressCommand({
      GroupId: sg.GroupId!,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    }),
  )
  await c.send(new ec2.DescribeSecurityGroupsCommand({ GroupIds: [sg.GroupId!] }))
  await c.send(new ec2.CreateKeyPairCommand({ KeyName: 'model-made', KeyType: 'ed25519' }))
  const key = generateKeyPair('ed25519')
  await c.send(new ec2.ImportKeyPairCommand({ KeyName: 'model-key', PublicKeyMaterial: Buffer.from(key.publicKey) }))
  await c.send(new ec2.DescribeKeyPairsCommand({ KeyNames: ['model-key'] }))
  const run = await c.send(
    new ec2.RunInstancesCommand({
      ImageId: imageId,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      KeyName: 'model-key',
      SecurityGroupIds: [sg.GroupId!],
      BlockDeviceMappings: [{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 12, VolumeType: 'gp3', DeleteOnTermination: true } }],
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'model' }] },
        { ResourceType: 'volume', Tags: [{ Key: 'Name', Value: 'model' }] },
      ],
      UserData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
      ClientToken: 'model-token',
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
    }),
  )
  const instanceId = run.Instances![0]!.InstanceId!
  await until(
    'running',
    async () => (await c.send(new ec2.DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!.State!.Name === 'running',
  )
  await c.send(new ec2.DescribeInstanceStatusCommand({ InstanceIds: [instanceId], IncludeAllInstances: true }))
  await c.send(new ec2.DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'instanceType' }))
  await c.send(new ec2.CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: 'extra', Value: '1' }] }))
  await c.send(new ec2.DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [instanceId] }] }))
  await c.send(new ec2.DeleteTagsCommand({ Resources: [instanceId], Tags: [{ Key: 'extra' }] }))
  const eip = await c.send(new ec2.AllocateAddressCommand({ Domain: 'vpc' }))
  const assoc = await c.send(new ec2.AssociateAddressCommand({ AllocationId: eip.AllocationId!, InstanceId: instanceId }))
  await c.send(new ec2.DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))
  await c.send(new ec2.DisassociateAddressCommand({ AssociationId: assoc.AssociationId! }))
  await c.send(new ec2.ReleaseAddressCommand({ AllocationId: eip.AllocationId! }))
  await c.send(new ec2.StopInstancesCommand({ InstanceIds: [instanceId] }))
  await until(
    'stopped',
    async () => (await c.send(new ec2.DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!.State!.Name === 'stopped',
  )
  await c.send(new ec2.ModifyInstanceAttributeCommand({ InstanceId: instanceId, InstanceType: { Value: 't3.small' } }))
  const made = await c.send(
    new ec2.CreateImageCommand({
      InstanceId: instanceId,
      Name: 'model-image',
      Description: 'model check',
      TagSpecifications: [
        { ResourceType: 'image', Tags: [{ Key: 'Name', Value: 'model' }] },
        { ResourceType: 'snapshot', Tags: [{ Key: 'Name', Value: 'model' }] },
      ],
    }),
  )
  const amiId = made.ImageId!
  await until('image', async () => (await c.send(new ec2.DescribeImagesCommand({ ImageIds: [amiId] }))).Images![0]!.State === 'available')
  const snaps = await c.send(new ec2.DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'tag:Name', Values: ['model'] }] }))
  const snapId = snaps.Snapshots![0]!.SnapshotId!
  await c.send(new ec2.DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }] }))
  await c.send(new ec2.ModifyImageAttributeCommand({ ImageId: amiId, LaunchPermission: { Add: [{ UserId: '210987654321' }] } }))
  await c.send(new ec2.DescribeImageAttributeCommand({ ImageId: amiId, Attribute: 'launchPermission' }))
  await c.send(
    new ec2.ModifySnapshotAttributeCommand({ SnapshotId: snapId, Attribute: 'createVolumePermission', OperationType: 'add', UserIds: ['210987654321'] }),
  )
  await c.send(new ec2.DescribeSnapshotAttributeCommand({ SnapshotId: snapId, Attribute: 'createVolumePermission' }))
  const copy = await c.send(new ec2.CopyImageCommand({ SourceImageId: amiId, SourceRegion: 'us-east-1', Name: 'model-copy', ClientToken: 'copy-1' }))
  await until('copy', async () => (await c.send(new ec2.DescribeImagesCommand({ ImageIds: [copy.ImageId!] }))).Images![0]!.State === 'available')
  await c.send(new ec2.StartInstancesCommand({ InstanceIds: [instanceId] }))
  await until(
    'running again',
    async () => (await c.send(new ec2.DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!.State!.Name === 'running',
  )
  await c.send(new ec2.RebootInstancesCommand({ InstanceIds: [instanceId] }))
  await c.send(new ec2.TerminateInstancesCommand({ InstanceIds: [instanceId] }))
  await until(
    'terminated',
    async () => (await c.send(new ec2.DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations![0]!.Instances![0]!.State!.Name === 'terminated',
  )
  for (const id of [amiId, copy.ImageId!]) await c.send(new ec2.DeregisterImageCommand({ ImageId: id }))
  const left = await c.send(new ec2.DescribeSnapshotsCommand({ OwnerIds: ['self'] }))
  for (const s of left.Snapshots ?? []) await c.send(new ec2.DeleteSnapshotCommand({ SnapshotId: s.SnapshotId! }))
  const vols = await c.send(new ec2.DescribeVolumesCommand({}))
  for (const v of vols.Volumes ?? []) if (v.State === 'available') await c.send(new ec2.DeleteVolumeCommand({ VolumeId: v.VolumeId! }))
  await c.send(new ec2.DeleteSecurityGroupCommand({ GroupId: sg.GroupId! }))
  await c.send(new ec2.DeleteKeyPairCommand({ KeyName: 'model-key' }))
  await c.send(new ec2.DeleteKeyPairCommand({ KeyName: 'model-made' }))
  await c.send(new ec2.DeleteSubnetCommand({ SubnetId: sub.Subnet!.SubnetId! }))
  await c.send(new ec2.DeleteVpcCommand({ VpcId: own.Vpc!.VpcId! }))
  c.destroy()
}, 300_000)
afterAll(async () => {
  restore?.()
  await proxy?.close()
  await emu?.stop()
})

/**
 * Elements the real EC2 answers with that the SDK model leaves out (the SDK ignores them): each
 * appears in EC2's API reference example answer of the action.
 */
const SENT_BEYOND_MODEL = new Set(['CreateSecurityGroup: return', 'AssociateAddress: return'])

const actionOf = (x: Exchange): string => new URLSearchParams(x.requestBody).get('Action') ?? ''

describe("EC2 front end against the AWS SDK's service model", () => {
  it('every element of every answer is a member of the output shape and parses as its type', () => {
    const ok = proxy.exchanges.filter((x) => x.status === 200)
    const total: CheckReport = { checked: [], mismatches: [], undeclared: [] }
    const actions = new Set<string>()
    for (const x of ok) {
      const action = actionOf(x)
      actions.add(action)
      const r = checkAnswer(action, x.responseBody)
      total.checked.push(...r.checked)
      total.mismatches.push(...r.mismatches.map((m) => `${action}: ${m}`))
      total.undeclared.push(...r.undeclared.map((m) => `${action}: ${m}`))
    }
    console.log(`ec2 model check: ${ok.length} answers of ${actions.size} actions, ${total.checked.length} elements checked against the output shapes`)
    expect(total.mismatches, total.mismatches.join('\n')).toEqual([])
    const undeclared = [...new Set(total.undeclared)].filter((u) => !SENT_BEYOND_MODEL.has(u))
    expect(undeclared, undeclared.join('\n')).toEqual([])
    expect(actions.size).toBeGreaterThanOrEqual(45)
  })

  it("every request parameter the front end reads is a member of the operation's input shape", () => {
    const unknown: string[] = []
    let n = 0
    for (const [action, paths] of reads) {
      expect(operation(action), `${action} is an EC2 operation`).toBeDefined()
      for (const p of paths) {
        n++
        if (!inputHas(action, p.split('.'))) unknown.push(`${action}: ${p}`)
      }
    }
    console.log(`ec2 model check: ${n} parameters read by ${reads.size} actions, each checked against the input shapes`)
    expect(unknown, unknown.join('\n')).toEqual([])
    expect(n).toBeGreaterThan(100)
  })

  it('the checks can fail: an element the model lacks, a mistyped value, a parameter the API never sends', () => {
    const r = checkAnswer(
      'DescribeKeyPairs',
      '<DescribeKeyPairsResponse><requestId>r</requestId><keySet><item><keyName>k</keyName><keyPairId>key-1</keyPairId><createTime>yesterday</createTime><madeUp>1</madeUp></item></keySet></DescribeKeyPairsResponse>',
    )
    expect(r.undeclared).toEqual(['keySet[0].madeUp'])
    expect(r.mismatches).toEqual(['keySet[0].createTime: "yesterday" is not an ISO 8601 timestamp'])
    expect(inputHas('DescribeImages', ['Owner'])).toBe(true)
    expect(inputHas('DescribeImages', ['Owners'])).toBe(false)
    expect(inputHas('RunInstances', ['BlockDeviceMapping', 'Ebs', 'VolumeType'])).toBe(true)
  })
})
