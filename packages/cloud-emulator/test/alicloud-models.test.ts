import { startEmulator, type Emulator } from '@tsimg/cloud-emulator'
import { generateKeyPair } from '@tsimg/core/plugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// The module the running front end reads parameters with (the same file the package entry loads).
import { Params } from '../dist/alicloud/params.js'
import { Ecs, Vpc, ecsClient, vpcClient } from './alicloud-sdk.js'
import { checkAnswer, requestHas, type CheckReport } from './support/alicloud-models.js'
import { recordingProxy } from './support/recording-proxy.js'

// The Alibaba front end against the model classes of @alicloud/ecs20140526 and
// @alicloud/vpc20160428: every field of every answer of an alicloud-ecs flow is declared by the
// action's ResponseBody model with that JSON type (strictly: the Node SDK converts a number sent
// for a string, other clients need not; undeclared fields are dropped by the SDK unseen), and
// every parameter the front end reads is declared by the action's Request model.
const REGION = 'cn-beijing'
const PRODUCT: Record<string, string> = { '2014-05-26': 'Ecs', '2016-04-28': 'Vpc' }
let emu: Emulator
let proxy: Awaited<ReturnType<typeof recordingProxy>>
/** `Product.Action` -> parameter names the front end read. */
const reads = new Map<string, Set<string>>()
let current = ''
let restore: () => void

function instrument(): () => void {
  const proto = Params.prototype as unknown as Record<string, (...a: unknown[]) => unknown>
  const saved: Record<string, (...a: unknown[]) => unknown> = {}
  for (const name of ['str', 'required', 'int', 'bool', 'list', 'records', 'jsonList']) {
    const original = proto[name]!
    saved[name] = original
    proto[name] = function (this: object, key: unknown, ...rest: unknown[]) {
      if (!reads.has(current)) reads.set(current, new Set())
      reads.get(current)!.add(String(key))
      return original.call(this, key, ...rest)
    }
  }
  // tags() reads through records('Tag'), so it is counted as 'Tag'.
  return () => Object.assign(proto, saved)
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

beforeAll(async () => {
  restore = instrument()
  emu = await startEmulator({
    frontEnds: ['alicloud'],
    seed: 12,
    delays: { instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100, imageAvailable: 200, snapshotCompleted: 100 },
  })
  // Which action a parameter read belongs to: calls here run one at a time, through cloud.act.
  const cloud = emu.backend as unknown as { act: (fe: string, action: string, fn: () => unknown) => Promise<unknown> }
  const act = cloud.act.bind(cloud)
  cloud.act = (fe, action, fn) =>
    act(fe, action, () => {
      current = action
      return fn()
    })
  proxy = await recordingProxy(emu.endpoint)
  const host = new URL(proxy.endpoint).host
  // The subject is the answers' shape, not their speed: a generous read timeout on a busy machine.
  const ecs = ecsClient(host, emu.credentials, { readTimeout: 60_000 })
  const vpc = vpcClient(host, emu.credentials, { readTimeout: 60_000 })
  const r = REGION
  // Polls until the state is reached; the test's own timeout is the only limit.
  const until = async (_what: string, ok: () => Promise<boolean>): Promise<void> => {
    while (!(await ok())) await sleep(150)
  }
  const status = async (id: string): Promise<string | undefined> =>
    (await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: r, instanceIds: JSON.stringify([id]) }))).body?.instances?.instance?.[0]?.status

  await ecs.describeRegions(new Ecs.DescribeRegionsRequest({}))
  const zones = (await ecs.describeZones(new Ecs.DescribeZonesRequest({ regionId: r }))).body!.zones!.zone!
  await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: r, imageName: 'aliyun_3_x64_20G_alibase_*', imageOwnerAlias: 'system' }))
  const source = (await ecs.describeImageFromFamily(new Ecs.DescribeImageFromFamilyRequest({ regionId: r, imageFamily: 'acs:ubuntu_22_04_x64' }))).body!.image!
    .imageId!
  const key = generateKeyPair('ed25519')
  await ecs.importKeyPair(new Ecs.ImportKeyPairRequest({ regionId: r, keyPairName: 'model-key', publicKeyBody: key.publicKey }))
  await ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: r, keyPairName: 'model-made' }))
  await ecs.describeKeyPairs(new Ecs.DescribeKeyPairsRequest({ regionId: r, keyPairName: 'model-key' }))
  const vpcId = (await vpc.createVpc(new Vpc.CreateVpcRequest({ regionId: r, cidrBlock: '172.16.0.0/12', vpcName: 'model' }))).body!.vpcId!
  await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: r, vpcId }))
  const zoneId = zones[0]!.zoneId!
  const vSwitchId = (await vpc.createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: r, vpcId, zoneId, cidrBlock: '172.16.0.0/24' }))).body!.vSwitchId!
  await vpc.describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: r, vSwitchId }))
  const sg = (await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: r, vpcId, securityGroupName: 'model' }))).body!.securityGroupId!
  await ecs.authorizeSecurityGroup(
    new Ecs.AuthorizeSecurityGroupRequest({ regionId: r, securityGroupId: sg, ipProtocol: 'tcp', portRange: '22/22', sourceCidrIp: '0.0.0.0/0' }),
  )
  await ecs.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: r, vpcId }))
  const id = (
    await ecs.createInstance(
      new Ecs.CreateInstanceRequest({
        regionId: r,
        imageId: source,
        instanceType: 'ecs.g6.large',
        securityGroupId: sg,
        vSwitchId,
        keyPairName: 'model-key',
        instanceName: 'model',
        systemDisk: new Ecs.CreateInstanceRequestSystemDisk({ category: 'cloud_essd', size: 40 }),
        internetChargeType: 'PayByTraffic',
        tag: [new Ecs.CreateInstanceRequestTag({ key: 'tsimg-build-id', value: 'b-model' })],
        clientToken: 'model-1',
      }),
    )
  ).body!.instanceId!
  await until('stopped after create', async () => (await status(id)) === 'Stopped')
  const eip = (await vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: r, bandwidth: '5', internetChargeType: 'PayByTraffic' }))).body!
  await vpc.associateEipAddress(new Vpc.AssociateEipAddressRequest({ regionId: r, allocationId: eip.allocationId, instanceId: id }))
  await vpc.describeEipAddresses(new Vpc.DescribeEipAddressesRequest({ regionId: r, allocationId: eip.allocationId }))
  await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: id }))
  await until('running', async () => (await status(id)) === 'Running')
  await ecs.tagResources(
    new Ecs.TagResourcesRequest({
      regionId: r,
      resourceType: 'instance',
      resourceId: [id],
      tag: [new Ecs.TagResourcesRequestTag({ key: 'extra', value: '1' })],
    }),
  )
  await ecs.listTagResources(new Ecs.ListTagResourcesRequest({ regionId: r, resourceType: 'instance', resourceId: [id] }))
  await ecs.untagResources(new Ecs.UntagResourcesRequest({ regionId: r, resourceType: 'instance', resourceId: [id], tagKey: ['extra'] }))
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id }))
  await until('stopped', async () => (await status(id)) === 'Stopped')
  await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: r, instanceId: id }))
  const imageId = (
    await ecs.createImage(
      new Ecs.CreateImageRequest({
        regionId: r,
        instanceId: id,
        imageName: 'model_image',
        imageFamily: 'model-family',
        tag: [new Ecs.CreateImageRequestTag({ key: 'tsimg-build-id', value: 'b-model' })],
      }),
    )
  ).body!.imageId!
  await until(
    'image',
    async () =>
      (await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: r, imageId, status: 'Available,Creating' }))).body!.images!.image![0]!.status ===
      'Available',
  )
  const snaps = (await ecs.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: r, instanceId: id }))).body!.snapshots!.snapshot ?? []
  await ecs.modifyImageSharePermission(new Ecs.ModifyImageSharePermissionRequest({ regionId: r, imageId, addAccount: ['1234567890123456'] }))
  await ecs.describeImageSharePermission(new Ecs.DescribeImageSharePermissionRequest({ regionId: r, imageId }))
  const copy = (await ecs.copyImage(new Ecs.CopyImageRequest({ regionId: r, imageId, destinationRegionId: r, destinationImageName: 'model_copy' }))).body!
    .imageId!
  await until(
    'copy',
    async () =>
      (await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: r, imageId: copy, status: 'Available,Creating' }))).body!.images!.image![0]!
        .status === 'Available',
  )
  await vpc.unassociateEipAddress(new Vpc.UnassociateEipAddressRequest({ regionId: r, allocationId: eip.allocationId, instanceId: id }))
  await vpc.releaseEipAddress(new Vpc.ReleaseEipAddressRequest({ regionId: r, allocationId: eip.allocationId }))
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }))
  await until('deleted', async () => (await status(id)) === undefined)
  for (const m of [imageId, copy]) await ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: r, imageId: m, force: true }))
  for (const s of (await ecs.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: r }))).body!.snapshots!.snapshot ?? [])
    await ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: s.snapshotId, force: true }))
  expect(snaps.length).toBeGreaterThan(0)
  await ecs.deleteKeyPairs(new Ecs.DeleteKeyPairsRequest({ regionId: r, keyPairNames: JSON.stringify(['model-key', 'model-made']) }))
  await until('group deletable', async () =>
    ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: r, securityGroupId: sg })).then(
      () => true,
      () => false,
    ),
  )
  await until('vswitch deletable', async () =>
    vpc.deleteVSwitch(new Vpc.DeleteVSwitchRequest({ regionId: r, vSwitchId })).then(
      () => true,
      () => false,
    ),
  )
  await until('vpc deletable', async () =>
    vpc.deleteVpc(new Vpc.DeleteVpcRequest({ regionId: r, vpcId })).then(
      () => true,
      () => false,
    ),
  )
}, 600_000)
afterAll(async () => {
  restore?.()
  await proxy?.close()
  await emu?.stop()
})

/**
 * Parameters the front end reads that the Node SDK's Request model lacks, each sent by another
 * client: Packer's Go SDK puts the client's RegionId on every RPC call, DescribeRegions included.
 */
const READ_BEYOND_MODEL = new Set(['Ecs.DescribeRegions: RegionId'])

describe('Alibaba front end against the SDK model classes', () => {
  it("every field of every answer is declared by the action's ResponseBody model with its JSON type", () => {
    const total: CheckReport = { checked: [], mismatches: [], undeclared: [] }
    const actions = new Set<string>()
    for (const x of proxy.exchanges.filter((e) => e.status === 200)) {
      const product = PRODUCT[String(x.requestHeaders['x-acs-version'])]!
      const action = String(x.requestHeaders['x-acs-action'])
      actions.add(`${product}.${action}`)
      const r = checkAnswer(product, action, JSON.parse(x.responseBody))
      total.checked.push(...r.checked)
      total.mismatches.push(...r.mismatches.map((m) => `${product}.${action}: ${m}`))
      total.undeclared.push(...r.undeclared.map((m) => `${product}.${action}: ${m}`))
    }
    console.log(`alicloud model check: ${actions.size} actions, ${total.checked.length} fields checked against the SDK's ResponseBody models`)
    expect([...new Set(total.mismatches)], [...new Set(total.mismatches)].join('\n')).toEqual([])
    const undeclared = [...new Set(total.undeclared.map((u) => u.replace(/\[\d+\]/g, '[]')))]
    expect(undeclared, undeclared.join('\n')).toEqual([])
    expect(actions.size).toBeGreaterThanOrEqual(35)
  })

  it("every parameter the front end reads is declared by the action's Request model", () => {
    const unknown: string[] = []
    let n = 0
    for (const [action, names] of reads) {
      const product = [
        'CreateVpc',
        'DescribeVpcs',
        'CreateVSwitch',
        'DescribeVSwitches',
        'DeleteVSwitch',
        'DeleteVpc',
        'AllocateEipAddress',
        'AssociateEipAddress',
        'DescribeEipAddresses',
        'UnassociateEipAddress',
        'ReleaseEipAddress',
      ].includes(action)
        ? 'Vpc'
        : 'Ecs'
      for (const name of names) {
        n++
        if (!requestHas(product, action, name) && !READ_BEYOND_MODEL.has(`${product}.${action}: ${name}`)) unknown.push(`${product}.${action}: ${name}`)
      }
    }
    console.log(`alicloud model check: ${n} parameters read by ${reads.size} actions, each checked against the Request models`)
    expect(unknown, unknown.join('\n')).toEqual([])
    expect(n).toBeGreaterThan(80)
  })

  it('the checks can fail: a number where the model has a string, a field it lacks, a parameter it does not declare', () => {
    const r = checkAnswer('Ecs', 'CreateInstance', { RequestId: 'r', InstanceId: 7, OrderId: 'o', Extra: true })
    expect(r.mismatches).toEqual(['InstanceId: sent number 7, model declares string'])
    expect(r.undeclared).toEqual(['Extra'])
    expect(requestHas('Ecs', 'CreateInstance', 'SystemDisk.Category')).toBe(true)
    expect(requestHas('Ecs', 'CreateInstance', 'SystemDisk.Colour')).toBe(false)
  })
})
