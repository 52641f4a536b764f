import { execFileSync } from 'node:child_process'
import { startEmulator, type Emulator } from '@tsimg/cloud-emulator'
import { generateKeyPair } from '@tsimg/core/plugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ecs, Vpc, ecsClient, failure, vpcClient } from './alicloud-sdk.js'
import { ssh } from './ssh.js'

// The flow a Node SDK builder runs (ACS3 signatures, VPC 2016-04-28 for network and EIP),
// on real containers: state changes take time, network deletes meet dependency errors for a
// while after DeleteInstance, and a lost answer to CreateImage is recovered by ClientToken.
let emu: Emulator
let ecs: ReturnType<typeof ecsClient>
let vpc: ReturnType<typeof vpcClient>
const region = 'cn-beijing'

beforeAll(async () => {
  emu = await startEmulator({ frontEnds: ['alicloud'], seed: 5 })
  const host = new URL(emu.endpoint).host
  ecs = ecsClient(host, emu.credentials)
  vpc = vpcClient(host, emu.credentials)
})
afterAll(async () => {
  await emu?.stop()
})

/** Polls a Describe call until `done` (no wall-clock bound: the test's own timeout is the limit). */
async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await probe()
    if (done(v)) return v
    await new Promise((r) => setTimeout(r, 250))
  }
}

const instanceStatus = async (id: string): Promise<string | undefined> =>
  (await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: region, instanceIds: JSON.stringify([id]) }))).body?.instances?.instance?.[0]
    ?.status

describe('an image build through the Node SDK', () => {
  it('finds the source by family, boots with an imported key, answers SSH on the EIP, and images the provisioned disk', { timeout: 600_000 }, async () => {
    const family = await ecs.describeImageFromFamily(new Ecs.DescribeImageFromFamilyRequest({ regionId: region, imageFamily: 'acs:debian_12_x64' }))
    const sourceId = family.body?.image?.imageId
    expect(sourceId).toBe('debian_12_5_x64_20G_alibase_20240429.vhd')
    const byName = await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: region, imageName: 'centos_7_*', imageOwnerAlias: 'system' }))
    expect(byName.body?.images?.image?.map((m) => m.imageName).sort()).toEqual([
      'centos_7_03_64_20G_alibase_20170818.vhd',
      'centos_7_06_64_20G_alibase_20190711.vhd',
      'centos_7_9_x64_20G_alibase_20240628.vhd',
    ])

    const key = generateKeyPair('ed25519')
    await ecs.importKeyPair(new Ecs.ImportKeyPairRequest({ regionId: region, keyPairName: 'tsimg-test-key', publicKeyBody: key.publicKey }))
    const vpcId = (await vpc.createVpc(new Vpc.CreateVpcRequest({ regionId: region, cidrBlock: '172.16.0.0/12' }))).body!.vpcId!
    const zones = (await ecs.describeZones(new Ecs.DescribeZonesRequest({ regionId: region }))).body!.zones!.zone!
    const zone = zones.find((z) => z.availableInstanceTypes?.instanceTypes?.includes('ecs.g7.large'))!.zoneId!
    const vSwitchId = (await vpc.createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: region, vpcId, zoneId: zone, cidrBlock: '172.16.0.0/24' }))).body!
      .vSwitchId!
    const wrongZone = zones.at(-1)!.zoneId!
    const scarce = (await vpc.createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: region, vpcId, zoneId: wrongZone, cidrBlock: '172.16.1.0/24' }))).body!
      .vSwitchId!
    const sg = (await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: region, vpcId, securityGroupName: 'tsimg-test' }))).body!
      .securityGroupId!
    await ecs.authorizeSecurityGroup(
      new Ecs.AuthorizeSecurityGroupRequest({ regionId: region, securityGroupId: sg, ipProtocol: 'tcp', portRange: '22/22', sourceCidrIp: '127.0.0.0/8' }),
    )

    // An instance type the zone does not offer is refused before anything is made.
    const refused = await failure(
      ecs.runInstances(
        new Ecs.RunInstancesRequest({ regionId: region, imageId: sourceId, instanceType: 'ecs.g7.large', securityGroupId: sg, vSwitchId: scarce }),
      ),
    )
    expect(refused).toMatchObject({ code: 'InvalidResourceType.NotSupported', statusCode: 403 })
    await vpc.deleteVSwitch(new Vpc.DeleteVSwitchRequest({ regionId: region, vSwitchId: scarce }))

    const userData = Buffer.from('#!/bin/sh\necho from-user-data > /root/user-data-ran\n').toString('base64')
    const run = await ecs.runInstances(
      new Ecs.RunInstancesRequest({
        regionId: region,
        imageId: sourceId,
        instanceType: 'ecs.g7.large',
        securityGroupId: sg,
        vSwitchId,
        keyPairName: 'tsimg-test-key',
        userData,
        instanceName: 'tsimg-test',
        clientToken: 'run-1',
        tag: [new Ecs.RunInstancesRequestTag({ key: 'tsimg-build-id', value: 'b1' })],
      }),
    )
    const instanceId = run.body!.instanceIdSets!.instanceIdSet![0]!
    expect(await instanceStatus(instanceId)).toBe('Pending')
    await until(
      () => instanceStatus(instanceId),
      (s) => s === 'Running',
    )

    const eip = (await vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: region }))).body!
    await vpc.associateEipAddress(new Vpc.AssociateEipAddressRequest({ regionId: region, allocationId: eip.allocationId, instanceId }))
    await until(
      async () =>
        (await vpc.describeEipAddresses(new Vpc.DescribeEipAddressesRequest({ regionId: region, allocationId: eip.allocationId }))).body?.eipAddresses
          ?.eipAddress?.[0]?.status,
      (s) => s === 'InUse',
    )
    const described = (await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: region, instanceIds: JSON.stringify([instanceId]) }))).body!
      .instances!.instance![0]!
    expect(described.eipAddress?.ipAddress).toBe(eip.eipAddress)
    expect(described.keyPairName).toBe('tsimg-test-key')
    expect(described.vpcAttributes?.privateIpAddress?.ipAddress?.[0]).toMatch(/^127\.0\.0\.\d+$/)
    expect(described.instanceType).toBe('ecs.g7.large')

    // SSH reaches the instance through the EIP's own address.
    expect(eip.eipAddress).not.toBe(described.vpcAttributes?.privateIpAddress?.ipAddress?.[0])
    await until(
      () => ssh(eip.eipAddress!, 'root', key.privateKey, 'cat /root/user-data-ran 2>/dev/null || true'),
      (out) => out.includes('from-user-data'),
    )
    await ssh(eip.eipAddress!, 'root', key.privateKey, 'echo provisioned > /etc/tsimg-proof')

    await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId }))
    await until(
      () => instanceStatus(instanceId),
      (s) => s === 'Stopped',
    )

    // The answer to CreateImage is lost; the retry with the same ClientToken gets the same image.
    emu.injectFault({ action: 'CreateImage', cloud: 'alicloud', code: 'ServiceUnavailable', phase: 'after', times: 1 })
    const request = new Ecs.CreateImageRequest({
      regionId: region,
      instanceId,
      imageName: 'tsimg-lifecycle',
      clientToken: 'image-1',
      imageFamily: 'tsimg-test',
    })
    expect(await failure(ecs.createImage(request))).toMatchObject({ name: 'ServerError', code: 'ServiceUnavailable', statusCode: 503 })
    const imageId = (await ecs.createImage(request)).body!.imageId!
    expect(
      emu
        .ledger()
        .filter((e) => e.type === 'image' && !e.seed)
        .map((e) => e.id),
    ).toEqual([imageId])
    expect(await failure(ecs.createImage(new Ecs.CreateImageRequest({ regionId: region, instanceId, imageName: 'tsimg-lifecycle' })))).toMatchObject({
      code: 'InvalidImageName.Duplicated',
      statusCode: 400,
    })
    const image = await until(
      async () =>
        (await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: region, imageId, status: 'Creating,Available' }))).body?.images?.image?.[0],
      (m) => m?.status === 'Available',
    )
    expect(image?.imageOwnerAlias).toBe('self')
    const ref = emu.backend.images.get(imageId)!.dockerRef
    expect(execFileSync('docker', ['run', '--rm', '--entrypoint', 'cat', ref, '/etc/tsimg-proof'], { encoding: 'utf8' })).toBe('provisioned\n')
    expect(image?.diskDeviceMappings?.diskDeviceMapping?.[0]?.type).toBe('system')
    expect(
      (await ecs.describeImageFromFamily(new Ecs.DescribeImageFromFamilyRequest({ regionId: region, imageFamily: 'tsimg-test' }))).body?.image?.imageId,
    ).toBe(imageId)

    // Teardown in reverse; the network still counts the instance for a while after it is gone.
    expect(await failure(ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId, force: true })))).toMatchObject({
      code: 'DependencyViolation.EIPAssociated',
      statusCode: 403,
    })
    await vpc.unassociateEipAddress(new Vpc.UnassociateEipAddressRequest({ regionId: region, allocationId: eip.allocationId, instanceId }))
    await until(
      async () =>
        (await vpc.describeEipAddresses(new Vpc.DescribeEipAddressesRequest({ regionId: region, allocationId: eip.allocationId }))).body?.eipAddresses
          ?.eipAddress?.[0]?.status,
      (s) => s === 'Available',
    )
    await vpc.releaseEipAddress(new Vpc.ReleaseEipAddressRequest({ regionId: region, allocationId: eip.allocationId }))
    await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId, force: true }))
    expect(await failure(vpc.deleteVSwitch(new Vpc.DeleteVSwitchRequest({ regionId: region, vSwitchId })))).toMatchObject({
      code: 'DependencyViolation',
      statusCode: 403,
    })
    await until(
      () =>
        ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: region, securityGroupId: sg })).then(
          () => true,
          () => false,
        ),
      Boolean,
    )
    await until(
      () =>
        vpc.deleteVSwitch(new Vpc.DeleteVSwitchRequest({ regionId: region, vSwitchId })).then(
          () => true,
          () => false,
        ),
      Boolean,
    )
    await vpc.deleteVpc(new Vpc.DeleteVpcRequest({ regionId: region, vpcId }))
    await ecs.deleteKeyPairs(new Ecs.DeleteKeyPairsRequest({ regionId: region, keyPairNames: JSON.stringify(['tsimg-test-key']) }))

    // The image outlives its instance and is shared, copied, then deleted with its snapshot.
    await ecs.modifyImageSharePermission(new Ecs.ModifyImageSharePermissionRequest({ regionId: region, imageId, addAccount: ['1111222233334444'] }))
    const shared = await ecs.describeImageSharePermission(new Ecs.DescribeImageSharePermissionRequest({ regionId: region, imageId }))
    expect(shared.body?.accounts?.account?.map((a) => a.aliyunId)).toEqual(['1111222233334444'])
    const copyId = (
      await ecs.copyImage(
        new Ecs.CopyImageRequest({ regionId: region, imageId, destinationRegionId: 'cn-hangzhou', destinationImageName: 'tsimg-lifecycle-copy' }),
      )
    ).body!.imageId!
    await until(
      async () =>
        (await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: 'cn-hangzhou', imageId: copyId, status: 'Creating,Available' }))).body?.images
          ?.image?.[0]?.status,
      (s) => s === 'Available',
    )
    const snapshots = emu
      .ledger()
      .filter((e) => e.type === 'snapshot' && !e.seed)
      .map((e) => e.id)
    expect(await failure(ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: snapshots[0] })))).toMatchObject({
      code: 'SnapshotCreatedImage',
      statusCode: 403,
    })
    await ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: region, imageId }))
    await ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: 'cn-hangzhou', imageId: copyId }))
    for (const snapshotId of snapshots) await ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId }))
    await until(
      async () => emu.ledger().filter((e) => !e.seed),
      (left) => left.length === 0,
    )
  })

  it('turns 100% throttling into Throttling.User on every action, and recovers when it stops', async () => {
    emu.setThrottle(1)
    try {
      expect(await failure(ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: region })))).toMatchObject({
        name: 'ThrottlingError',
        code: 'Throttling.User',
      })
      expect(await failure(vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: region })))).toMatchObject({
        name: 'ThrottlingError',
        code: 'Throttling.User',
      })
    } finally {
      emu.setThrottle(0)
    }
    expect((await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: region }))).statusCode).toBe(200)
  })
})
