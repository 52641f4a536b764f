import { execFileSync } from 'node:child_process'
import * as ec2 from '@aws-sdk/client-ec2'
import { startEc2Emulator, CATALOG_OWNER_ID, type Ec2Emulator } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { generateKeyPair } from '@tsimg/core/plugin'
import { hostKey, ssh as sshWithKey } from './ssh.js'

// One build's worth of real containers: run, SSH, stop, image, copy, boot the image, tear down.
let emu: Ec2Emulator
let client: ec2.EC2Client
// ssh2's own generator makes an unreadable ed25519 key about once in 128; core's checks it.
const key = generateKeyPair('ed25519')

const ssh = (host: string, username: string, command: string): Promise<string> => sshWithKey(host, username, key.privateKey, command)

const dockerOut = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim()

async function describe(id: string): Promise<ec2.Instance> {
  const res = await client.send(new ec2.DescribeInstancesCommand({ InstanceIds: [id] }))
  return res.Reservations![0]!.Instances![0]!
}

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (error) {
    return (error as Error).name
  }
  throw new Error('expected the call to fail')
}

beforeAll(async () => {
  emu = await startEc2Emulator({ delays: { instanceRunning: 300, instanceStopped: 300, instanceTerminated: 300, imageAvailable: 500, snapshotCompleted: 300 } })
  client = new ec2.EC2Client({ region: 'us-east-1', endpoint: emu.endpoint, credentials: emu.credentials })
})
afterAll(async () => {
  await emu?.stop()
  if (emu) expect(dockerOut('ps', '-aq', '--filter', `label=tsimg-emulator=${emu.backend.session}`)).toBe('')
})

it('runs an instance reachable over SSH, images it, boots the image, reaches it through an Elastic IP, and leaves only the catalog behind', async () => {
  const wait = { client, maxWaitTime: 120, minDelay: 1, maxDelay: 2 }
  const source = (await client.send(new ec2.DescribeImagesCommand({ Owners: [CATALOG_OWNER_ID], Filters: [{ Name: 'name', Values: ['debian-12-*'] }] })))
    .Images![0]!
  await client.send(new ec2.ImportKeyPairCommand({ KeyName: 'build-key', PublicKeyMaterial: Buffer.from(key.publicKey) }))
  const sg = await client.send(new ec2.CreateSecurityGroupCommand({ GroupName: 'build-sg', Description: 'ssh' }))
  await client.send(
    new ec2.AuthorizeSecurityGroupIngressCommand({
      GroupId: sg.GroupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '127.0.0.0/8' }] }],
    }),
  )
  const subnet = (await client.send(new ec2.DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1b'] }] }))).Subnets![0]!

  const run = await client.send(
    new ec2.RunInstancesCommand({
      ImageId: source.ImageId,
      InstanceType: 't3.micro',
      KeyName: 'build-key',
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: true, SubnetId: subnet.SubnetId, Groups: [sg.GroupId!] }],
      UserData: Buffer.from('#!/bin/sh\necho "from user data" > /var/tmp/user-data-ran\n').toString('base64'),
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'tsimg builder' }] },
        { ResourceType: 'volume', Tags: [{ Key: 'tsimg-build-id', Value: 'b-1' }] },
      ],
    }),
  )
  const id = run.Instances![0]!.InstanceId!
  expect(run.Instances![0]!.State?.Name).toBe('pending')
  await ec2.waitUntilInstanceRunning(wait, { InstanceIds: [id] })
  const running = await describe(id)
  expect(running.Placement?.AvailabilityZone).toBe('us-east-1b')
  expect(running.MetadataOptions?.HttpTokens).toBe('required')
  expect(running.Tags).toEqual([{ Key: 'Name', Value: 'tsimg builder' }])
  const address = running.PublicIpAddress!
  expect(address).toMatch(/^127\.0\.0\.\d+$/)
  expect(running.PrivateIpAddress).toBe(address)
  expect(running.PublicDnsName).toBe(`ec2-${address.replaceAll('.', '-')}.compute.local`)
  const volumes = await client.send(new ec2.DescribeVolumesCommand({ Filters: [{ Name: 'tag:tsimg-build-id', Values: ['b-1'] }] }))
  expect(volumes.Volumes?.[0]?.Attachments?.[0]).toMatchObject({ InstanceId: id, Device: '/dev/xvda', DeleteOnTermination: true })

  expect(await ssh(address, 'admin', 'echo ok')).toBe('ok\n')
  expect(await ssh(address, 'admin', 'sudo -n sh -c "echo provisioned > /etc/tsimg-marker" && sudo -n cat /etc/tsimg-marker')).toBe('provisioned\n')
  expect(await ssh(address, 'root', 'until [ -f /var/lib/cloud/instance/boot-finished ]; do sleep 0.1; done; cat /var/tmp/user-data-ran')).toBe(
    'from user data\n',
  )

  expect(await errorCode(client.send(new ec2.DeleteSecurityGroupCommand({ GroupId: sg.GroupId })))).toBe('DependencyViolation')
  expect(await errorCode(client.send(new ec2.ModifyInstanceAttributeCommand({ InstanceId: id, InstanceType: { Value: 't3.large' } })))).toBe(
    'IncorrectInstanceState',
  )
  await client.send(new ec2.ModifyInstanceAttributeCommand({ InstanceId: id, DisableApiTermination: { Value: true } }))
  expect(await errorCode(client.send(new ec2.TerminateInstancesCommand({ InstanceIds: [id] })))).toBe('OperationNotPermitted')
  await client.send(new ec2.ModifyInstanceAttributeCommand({ InstanceId: id, DisableApiTermination: { Value: false } }))

  const stop = await client.send(new ec2.StopInstancesCommand({ InstanceIds: [id] }))
  expect(stop.StoppingInstances?.[0]).toMatchObject({ PreviousState: { Name: 'running' }, CurrentState: { Name: 'stopping' } })
  await ec2.waitUntilInstanceStopped(wait, { InstanceIds: [id] })
  const container = `tsimg-emu-${emu.backend.session}-${id}`
  expect(dockerOut('inspect', '-f', '{{.State.Running}}', container)).toBe('false')
  expect((await describe(id)).PublicIpAddress).toBeUndefined()
  await client.send(new ec2.ModifyInstanceAttributeCommand({ InstanceId: id, EnaSupport: { Value: true } }))
  await client.send(new ec2.ModifyInstanceAttributeCommand({ InstanceId: id, Attribute: 'instanceType', Value: 't3.large' }))
  expect((await client.send(new ec2.DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'instanceType' }))).InstanceType?.Value).toBe('t3.large')

  // An image that is stuck pending stays pending until the delay is released.
  emu.setDelays({ imageAvailable: 'stuck', snapshotCompleted: 1000 })
  const created = await client.send(
    new ec2.CreateImageCommand({
      InstanceId: id,
      Name: 'tsimg-lifecycle-1',
      Description: 'made by the lifecycle test',
      TagSpecifications: [
        { ResourceType: 'image', Tags: [{ Key: 'k', Value: 'image' }] },
        { ResourceType: 'snapshot', Tags: [{ Key: 'k', Value: 'snap' }] },
      ],
    }),
  )
  const amiId = created.ImageId!
  expect(await errorCode(client.send(new ec2.CreateImageCommand({ InstanceId: id, Name: 'tsimg-lifecycle-1' })))).toBe('InvalidAMIName.Duplicate')
  // Its snapshot is due 1 s after CreateImage, when a 500 ms image would long be available
  // (the clock settles images before snapshots): once the snapshot completes, the image is
  // still pending only because it is stuck.
  const snapshotState = async () =>
    (await client.send(new ec2.DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'tag:k', Values: ['snap'] }] }))).Snapshots?.[0]?.State
  while ((await snapshotState()) !== 'completed') await new Promise((r) => setTimeout(r, 50))
  expect((await client.send(new ec2.DescribeImagesCommand({ ImageIds: [amiId] }))).Images![0]!.State).toBe('pending')
  emu.setDelays({ imageAvailable: 200, snapshotCompleted: 300 })
  await ec2.waitUntilImageAvailable(wait, { ImageIds: [amiId] })
  const image = (await client.send(new ec2.DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'tag:k', Values: ['image'] }] }))).Images![0]!
  expect(image).toMatchObject({ ImageId: amiId, Name: 'tsimg-lifecycle-1', OwnerId: emu.accountId, RootDeviceName: '/dev/xvda' })
  const snapshots = await client.send(new ec2.DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'tag:k', Values: ['snap'] }] }))
  expect(snapshots.Snapshots?.map((s) => s.SnapshotId)).toEqual([image.BlockDeviceMappings![0]!.Ebs!.SnapshotId])
  expect(await errorCode(client.send(new ec2.DeleteSnapshotCommand({ SnapshotId: snapshots.Snapshots![0]!.SnapshotId })))).toBe('InvalidSnapshot.InUse')

  // Sharing and copying to another region.
  await client.send(new ec2.ModifyImageAttributeCommand({ ImageId: amiId, LaunchPermission: { Add: [{ UserId: '210987654321' }] } }))
  const perms = await client.send(new ec2.DescribeImageAttributeCommand({ ImageId: amiId, Attribute: 'launchPermission' }))
  expect(perms.LaunchPermissions).toEqual([{ UserId: '210987654321' }])
  const eu = new ec2.EC2Client({ region: 'eu-west-1', endpoint: emu.endpoint, credentials: emu.credentials })
  const copy = await eu.send(new ec2.CopyImageCommand({ SourceRegion: 'us-east-1', SourceImageId: amiId, Name: 'tsimg-lifecycle-1', Encrypted: true }))
  await ec2.waitUntilImageAvailable({ ...wait, client: eu }, { ImageIds: [copy.ImageId!] })
  expect(await errorCode(client.send(new ec2.DescribeImagesCommand({ ImageIds: [copy.ImageId!] })))).toBe('InvalidAMIID.NotFound')

  // The stopped instance starts again on the same address.
  await client.send(new ec2.StartInstancesCommand({ InstanceIds: [id] }))
  await ec2.waitUntilInstanceRunning(wait, { InstanceIds: [id] })
  expect((await describe(id)).PublicIpAddress).toBe(address)
  expect(await ssh(address, 'admin', 'echo again')).toBe('again\n')

  // A new instance from the new image holds what was provisioned before the image.
  const second = (
    await client.send(
      new ec2.RunInstancesCommand({
        ImageId: amiId,
        InstanceType: 't3.micro',
        KeyName: 'build-key',
        MinCount: 1,
        MaxCount: 1,
        SecurityGroupIds: [sg.GroupId!],
      }),
    )
  ).Instances![0]!.InstanceId!
  await ec2.waitUntilInstanceRunning(wait, { InstanceIds: [second] })
  const secondAddress = (await describe(second)).PublicIpAddress!
  expect(secondAddress).not.toBe(address)
  expect(await ssh(secondAddress, 'admin', 'cat /etc/tsimg-marker')).toBe('provisioned\n')
  // Like cloud-init, a new instance from the image gets host keys of its own.
  expect(await hostKey(secondAddress)).not.toBe(await hostKey(address))
  // An Elastic IP becomes the instance's public address and answers with its sshd.
  const eip = await client.send(new ec2.AllocateAddressCommand({ Domain: 'vpc' }))
  await client.send(new ec2.AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: second }))
  expect((await describe(second)).PublicIpAddress).toBe(eip.PublicIp)
  expect(await ssh(eip.PublicIp!, 'admin', 'cat /etc/tsimg-marker')).toBe('provisioned\n')
  expect(await errorCode(client.send(new ec2.ReleaseAddressCommand({ AllocationId: eip.AllocationId })))).toBe('InvalidIPAddress.InUse')

  // Teardown the way a builder does it.
  await client.send(new ec2.TerminateInstancesCommand({ InstanceIds: [id, second] }))
  await ec2.waitUntilInstanceTerminated(wait, { InstanceIds: [id, second] })
  expect(await errorCode(client.send(new ec2.StopInstancesCommand({ InstanceIds: [id] })))).toBe('IncorrectInstanceState')
  expect(await errorCode(client.send(new ec2.CreateImageCommand({ InstanceId: id, Name: 'from-terminated' })))).toBe('IncorrectInstanceState')
  expect(dockerOut('ps', '-aq', '--filter', `label=tsimg-emulator=${emu.backend.session}`)).toBe('')
  // Termination disassociates the Elastic IP; it stays allocated until released.
  expect((await client.send(new ec2.DescribeAddressesCommand({ AllocationIds: [eip.AllocationId!] }))).Addresses![0]!.InstanceId).toBeUndefined()
  await client.send(new ec2.ReleaseAddressCommand({ AllocationId: eip.AllocationId }))
  await client.send(new ec2.DeleteSecurityGroupCommand({ GroupId: sg.GroupId }))
  await client.send(new ec2.DeleteKeyPairCommand({ KeyName: 'build-key' }))
  await client.send(new ec2.DeregisterImageCommand({ ImageId: amiId }))
  for (const s of snapshots.Snapshots!) await client.send(new ec2.DeleteSnapshotCommand({ SnapshotId: s.SnapshotId }))
  const dereg = await eu.send(new ec2.DeregisterImageCommand({ ImageId: copy.ImageId!, DeleteAssociatedSnapshots: true }))
  expect(dereg.DeleteSnapshotResults).toHaveLength(1)
  expect(emu.ledger().filter((e) => !e.seed)).toEqual([])
  expect(dockerOut('images', '-q', `tsimg-emulator/${emu.backend.session}`)).toBe('')
  // Terminated instances stay visible for a while, as on EC2.
  expect((await describe(id)).State?.Name).toBe('terminated')
}, 900_000) // two boots, two commits and a copy: minutes on a busy two-core machine
