import * as ec2 from '@aws-sdk/client-ec2'
import * as hwecs from '@huaweicloud/huaweicloud-sdk-ecs'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { call, huaweiClients } from '@tsimg/builder-huawei/api'
import { AWS_OWNERS, BASE_IMAGE, huaweiProjectId, parseCatalog, startEmulator, type Emulator } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ecs, ecsClient, failure } from './alicloud-sdk.js'

// The catalog from outside: each cloud's lookups by public name, owner, alias and family
// resolve against the defaults through the clouds' own SDKs, and a user's catalog file adds
// images, instance types and volume types that the front ends then accept.
let emu: Emulator
let dir: string
const HW_REGION = 'cn-north-4'

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-catalog-'))
  const file = join(dir, 'catalog.json')
  await writeFile(
    file,
    JSON.stringify({
      aws: {
        images: [{ name: 'acme-golden-rhel9-20240601', dockerRef: BASE_IMAGE, ownerId: '111122223333', loginUser: 'ec2-user', created: '2024-06-01' }],
        instanceTypes: ['x2gd.medium'],
        volumeTypes: ['gp4'],
      },
      huaweicloud: { images: [{ name: 'openEuler 22.03 64bit', dockerRef: BASE_IMAGE, platform: 'openEuler', minDisk: 40 }], instanceTypes: ['kc1.large.2'] },
      alicloud: {
        images: [{ name: 'rockylinux_9_2_x64_20G_alibase_20230613.vhd', dockerRef: BASE_IMAGE, family: 'acs:rockylinux_9_2_x64', loginUser: 'root' }],
        volumeTypes: ['cloud_regional_disk_auto'],
      },
    }),
  )
  emu = await startEmulator({ frontEnds: ['aws', 'alicloud', 'huaweicloud'], catalogFile: file, seed: 6 })
})
afterAll(async () => {
  await emu?.stop()
  await rm(dir, { recursive: true, force: true })
})

const ec2Client = (): ec2.EC2Client => new ec2.EC2Client({ region: 'us-east-1', endpoint: emu.endpoints.aws, credentials: emu.credentials, maxAttempts: 1 })

describe("EC2: the default catalog answers real templates' source_ami_filter", () => {
  it("Canonical's Ubuntu AMIs by owner 099720109477 and a name pattern, newest last by creation date", async () => {
    const c = ec2Client()
    const res = await c.send(
      new ec2.DescribeImagesCommand({
        Owners: [AWS_OWNERS.canonical],
        Filters: [
          { Name: 'name', Values: ['ubuntu/images/hvm-ssd/ubuntu-focal-20.04-amd64-server-*'] },
          { Name: 'virtualization-type', Values: ['hvm'] },
          { Name: 'root-device-type', Values: ['ebs'] },
        ],
      }),
    )
    const names = res.Images!.map((m) => m.Name).sort()
    expect(names).toEqual(['ubuntu/images/hvm-ssd/ubuntu-focal-20.04-amd64-server-20240228', 'ubuntu/images/hvm-ssd/ubuntu-focal-20.04-amd64-server-20240430'])
    expect(res.Images!.every((m) => m.RootDeviceName === '/dev/sda1' && m.OwnerId === '099720109477' && m.Public)).toBe(true)
    c.destroy()
  })

  it('Amazon Linux 2 by the alias owners ["amazon"] or by the account 137112412111, with ImageOwnerAlias amazon', async () => {
    const c = ec2Client()
    const byAlias = await c.send(new ec2.DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['amzn2-ami-hvm-*-x86_64-gp2'] }] }))
    const byId = await c.send(
      new ec2.DescribeImagesCommand({ Owners: [AWS_OWNERS.amazon], Filters: [{ Name: 'name', Values: ['amzn2-ami-hvm-*-x86_64-gp2'] }] }),
    )
    expect(byAlias.Images!.map((m) => m.Name).sort()).toEqual(['amzn2-ami-hvm-2.0.20240412.0-x86_64-gp2', 'amzn2-ami-hvm-2.0.20240503.0-x86_64-gp2'])
    expect(byId.Images!.map((m) => m.ImageId).sort()).toEqual(byAlias.Images!.map((m) => m.ImageId).sort())
    expect(byAlias.Images!.every((m) => m.ImageOwnerAlias === 'amazon' && m.ImageLocation?.startsWith('amazon/'))).toBe(true)
    const aliasFilter = await c.send(
      new ec2.DescribeImagesCommand({
        Filters: [
          { Name: 'owner-alias', Values: ['amazon'] },
          { Name: 'name', Values: ['al2023-ami-*'] },
        ],
      }),
    )
    expect(aliasFilter.Images!.map((m) => m.Name)).toEqual(['al2023-ami-2023.4.20240429.0-kernel-6.1-x86_64'])
    // Canonical's images carry no alias.
    const ubuntu = await c.send(new ec2.DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['ubuntu/*'] }] }))
    expect(ubuntu.Images).toEqual([])
    c.destroy()
  })

  it("the catalog file's image, instance type and volume type are offered; types the catalog lacks are InvalidParameterValue", async () => {
    const c = ec2Client()
    const own = await c.send(new ec2.DescribeImagesCommand({ Owners: ['111122223333'] }))
    expect(own.Images!.map((m) => m.Name)).toEqual(['acme-golden-rhel9-20240601'])
    const imageId = own.Images![0]!.ImageId!
    const badType = await c
      .send(new ec2.RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1, InstanceType: 'z9.huge' as ec2._InstanceType }))
      .catch((e: { name: string; message: string }) => e)
    expect((badType as { name: string }).name).toBe('InvalidParameterValue')
    const badVolume = await c
      .send(
        new ec2.RunInstancesCommand({
          ImageId: imageId,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: 'x2gd.medium' as ec2._InstanceType,
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeType: 'gp9' as ec2.VolumeType } }],
        }),
      )
      .catch((e: { name: string; message: string }) => e)
    expect((badVolume as { name: string }).name).toBe('InvalidParameterValue')
    expect((badVolume as { message: string }).message).toContain('gp9 (offered: standard, io1, io2, gp2, gp3, sc1, st1, gp4')
    expect(emu.ledger().filter((e) => !e.seed)).toEqual([])
    c.destroy()
    // The extended lists are the profile's: what RunInstances checks.
    expect(emu.backend.profile('aws')!.instanceTypes).toContain('x2gd.medium')
    expect(emu.backend.profile('aws')!.instanceTypes).toContain('t3.micro')
  })
})

describe("Alibaba: images by name pattern and family, zones by the catalog's types and disk categories", () => {
  const client = () => ecsClient(emu.endpoints.alicloud!.replace(/^http:\/\//, ''), emu.credentials)

  it('centos_7_* and aliyun_3_x64_20G_alibase_* match system images; a family names its newest image', async () => {
    const c = client()
    const centos = await c.describeImages(new Ecs.DescribeImagesRequest({ regionId: 'cn-hangzhou', imageName: 'centos_7_*', imageOwnerAlias: 'system' }))
    expect(centos.body!.images!.image!.map((m) => m.imageId).sort()).toEqual([
      'centos_7_03_64_20G_alibase_20170818.vhd',
      'centos_7_06_64_20G_alibase_20190711.vhd',
      'centos_7_9_x64_20G_alibase_20240628.vhd',
    ])
    const aliyun = await c.describeImages(new Ecs.DescribeImagesRequest({ regionId: 'cn-hangzhou', imageName: 'aliyun_3_x64_20G_alibase_*' }))
    expect(aliyun.body!.images!.image!.map((m) => [m.imageId, m.imageFamily, m.OSName, m.platform])).toEqual([
      ['aliyun_3_x64_20G_alibase_20240528.vhd', 'acs:alibaba_cloud_linux_3_2104_lts_x64', 'Alibaba Cloud Linux 3.2104 LTS 64位', 'Aliyun'],
      ['aliyun_3_x64_20G_alibase_20240219.vhd', 'acs:alibaba_cloud_linux_3_2104_lts_x64', 'Alibaba Cloud Linux 3.2104 LTS 64位', 'Aliyun'],
    ])
    const family = await c.describeImageFromFamily(new Ecs.DescribeImageFromFamilyRequest({ regionId: 'cn-hangzhou', imageFamily: 'acs:ubuntu_22_04_x64' }))
    expect(family.body!.image!.imageId).toBe('ubuntu_22_04_x64_20G_alibase_20240530.vhd')
    const added = await c.describeImages(new Ecs.DescribeImagesRequest({ regionId: 'cn-beijing', imageFamily: 'acs:rockylinux_9_2_x64' }))
    expect(added.body!.images!.image!.map((m) => m.imageId)).toEqual(['rockylinux_9_2_x64_20G_alibase_20230613.vhd'])
  })

  it("DescribeZones offers the catalog's instance types and disk categories (the file's included); an unknown system disk category is refused", async () => {
    const c = client()
    const zones = await c.describeZones(new Ecs.DescribeZonesRequest({ regionId: 'cn-hangzhou' }))
    const first = zones.body!.zones!.zone![0]!
    expect(first.availableInstanceTypes!.instanceTypes).toEqual(expect.arrayContaining(['ecs.c7.xlarge', 'ecs.g6.large', 'ecs.t6-c1m1.large']))
    expect(first.availableDiskCategories!.diskCategories).toEqual(expect.arrayContaining(['cloud_essd', 'cloud_auto', 'cloud_regional_disk_auto']))
    const vpcId = (await c.createVpc(new Ecs.CreateVpcRequest({ regionId: 'cn-hangzhou', cidrBlock: '172.16.0.0/16' }))).body!.vpcId!
    const vSwitchId = (
      await c.createVSwitch(new Ecs.CreateVSwitchRequest({ regionId: 'cn-hangzhou', vpcId, cidrBlock: '172.16.1.0/24', zoneId: 'cn-hangzhou-h' }))
    ).body!.vSwitchId!
    const securityGroupId = (await c.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: 'cn-hangzhou', vpcId }))).body!.securityGroupId!
    const launch = (category: string) =>
      c.createInstance(
        new Ecs.CreateInstanceRequest({
          regionId: 'cn-hangzhou',
          imageId: 'aliyun_3_x64_20G_alibase_20240528.vhd',
          instanceType: 'ecs.g6.large',
          vSwitchId,
          securityGroupId,
          systemDisk: new Ecs.CreateInstanceRequestSystemDisk({ category }),
        }),
      )
    const e = await failure(launch('cloud_floppy'))
    expect([e.code, e.statusCode]).toEqual(['InvalidSystemDiskCategory.ValueNotSupported', 400])
    expect(emu.ledger().filter((x) => !x.seed && x.type === 'instance')).toEqual([])
    await c.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: 'cn-hangzhou', securityGroupId }))
    await c.deleteVSwitch(new Ecs.DeleteVSwitchRequest({ vSwitchId }))
    await c.deleteVpc(new Ecs.DeleteVpcRequest({ vpcId }))
  })
})

describe('Huawei: public images by name and platform, flavors from the catalog', () => {
  const clients = () => {
    const e = emu.endpoints.huaweicloud!
    return huaweiClients({
      accessKey: emu.credentials.accessKeyId,
      secretKey: emu.credentials.secretAccessKey,
      projectId: projectId(),
      endpoints: { ecs: e, vpc: e, ims: e, eip: e, iam: e },
      timeoutMs: 30_000,
    })
  }
  const projectId = (): string => huaweiProjectId(HW_REGION)

  it('ListImages finds "Ubuntu 22.04 server 64bit", the EulerOS images by __platform, and the file\'s openEuler image', async () => {
    const c = clients()
    const get = (query: Record<string, string>): Promise<{ images: Array<Record<string, unknown>> }> =>
      call('ListImages', [], () =>
        c.ims.sendRequest({
          method: 'GET',
          url: '/v2/cloudimages',
          contentType: 'application/json',
          pathParams: {},
          queryParams: query,
          headers: {},
          data: {},
        } as never),
      ) as never
    const ubuntu = await get({ name: 'Ubuntu 22.04 server 64bit' })
    expect(ubuntu.images.map((m) => [m.name, m.__platform, m.__imagetype, m.visibility, m.min_disk])).toEqual([
      ['Ubuntu 22.04 server 64bit', 'Ubuntu', 'gold', 'public', 40],
    ])
    const euler = await get({ __platform: 'EulerOS', __imagetype: 'gold' })
    expect(euler.images.map((m) => m.name).sort()).toEqual(['EulerOS 2.5 64bit', 'EulerOS 2.9 64bit'])
    const added = await get({ name: 'openEuler 22.03 64bit' })
    expect(added.images.map((m) => m.__platform)).toEqual(['openEuler'])
  })

  it("ListFlavors lists the catalog's flavors, the file's kc1.large.2 included, with vCPUs and memory the name spells", async () => {
    const res = await clients().ecs.listFlavors(new hwecs.ListFlavorsRequest())
    const byName = new Map((res.flavors ?? []).map((f) => [f.name, f]))
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['s6.large.2', 'c6.large.2', 'c7.xlarge.4', 'm6.large.8', 'kc1.large.2']))
    expect([byName.get('c7.xlarge.4')!.vcpus, byName.get('c7.xlarge.4')!.ram]).toEqual(['4', 16_384])
    expect([byName.get('s6.2xlarge.2')!.vcpus, byName.get('s6.2xlarge.2')!.ram]).toEqual(['8', 16_384])
  })
})

describe("catalog files: errors name the file's field and say what to write", () => {
  it('refuses an unknown cloud, an image without dockerRef, an unknown field and a bad date', () => {
    expect(() => parseCatalog({ gcp: {} }, 'c.json')).toThrow('c.json: gcp: unknown cloud; write one of aws, alicloud, huaweicloud')
    expect(() => parseCatalog({ aws: { images: [{ name: 'x' }] } }, 'c.json')).toThrow(
      'c.json: aws.images[0].dockerRef: missing: the local docker image its machines boot',
    )
    expect(() => parseCatalog({ aws: { images: [{ name: 'x', dockerRef: 'y', owner: 'z' }] } }, 'c.json')).toThrow(
      'c.json: aws.images[0].owner: unknown field; write one of name, dockerRef, ownerId, ownerAlias',
    )
    expect(() => parseCatalog({ alicloud: { images: [{ name: 'x', dockerRef: 'y', created: 'yesterday' }] } }, 'c.json')).toThrow(
      'alicloud.images[0].created: expected a date',
    )
    expect(() => parseCatalog({ huaweicloud: { instanceTypes: ['ok', 3] } }, 'c.json')).toThrow(
      'huaweicloud.instanceTypes: expected a list of non-empty strings',
    )
    expect(() => parseCatalog({ aws: { flavors: [] } }, 'c.json')).toThrow('aws.flavors: unknown field; write images, instanceTypes or volumeTypes')
  })

  it('tsimg-cloud-emulator --catalog refuses a bad file before starting, naming the file and field (exit 2)', async () => {
    const bad = join(dir, 'bad.json')
    await writeFile(bad, JSON.stringify({ huaweicloud: { images: [{ name: 'x', dockerRef: 'y', minDisk: -1 }] } }))
    const bin = fileURLToPath(new URL('../bin/emulator.js', import.meta.url))
    const run = spawnSync(process.execPath, [bin, '--catalog', bad, '--quiet'], { encoding: 'utf8' })
    expect(run.status).toBe(2)
    expect(run.stderr).toBe(`tsimg-cloud-emulator: --catalog ${bad}: huaweicloud.images[0].minDisk: expected a whole number of GB\n`)
  })
})
