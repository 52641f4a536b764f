// The options that use what the user already has (VPC, subnet, group, EIP) or shape the server
// and image (dataDisks, imageMembers, sourceImageFilter, reuseIps), checked in the emulator's state.
import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc'
import { describe, expect, it } from 'vitest'
import { deleteImage, emulatorSource, expectNothingLeft, imageIdOf, journalFiles, leftovers, runBuild, userApi, userEip, useEmulator } from './support.js'

const t = useEmulator()
const MEMBER = '0123456789abcdef0123456789abcdef'

/** What the build's server looked like while it ran (read once it answered SSH). */
interface Seen {
  subnetId: string
  vpcId: string
  groups: string[]
  volumeSizes: number[]
  boundIps: string[]
}

function serverSeen(buildId: string): Seen {
  const b = t.emu.backend
  const server = [...b.instances.values()].find((i) => i.clientToken === buildId && i.state !== 'terminated')!
  return {
    subnetId: server.subnetId,
    vpcId: server.vpcId,
    groups: [...server.securityGroupIds],
    volumeSizes: [...b.volumes.values()]
      .filter((v) => v.attachment?.instanceId === server.id)
      .map((v) => v.size)
      .sort((x, y) => x - y),
    boundIps: [...b.publicIps.values()].filter((p) => p.instanceId === server.id).map((p) => p.id),
  }
}

describe("huaweicloudEcs with the user's network and options", { timeout: 900_000 }, () => {
  it("vpcId + subnets + securityGroups + floatingIp, dataDisks, imageMembers and sourceImageFilter: the server uses them, the image is shared, nothing of the user's is deleted", async () => {
    const api = await userApi(t.emu)
    const signal = AbortSignal.timeout(120_000)
    const v = await api.sdk(
      'CreateVpc',
      (c) => c.vpc.createVpc(new vpc.CreateVpcRequest().withBody({ vpc: { name: 'user-vpc', cidr: '10.8.0.0/16' } } as never)),
      { signal },
    )
    const vpcId = v.vpc!.id!
    const s = await api.sdk(
      'CreateSubnet',
      (c) =>
        c.vpc.createSubnet(
          new vpc.CreateSubnetRequest().withBody({ subnet: { name: 'user-subnet', cidr: '10.8.1.0/24', gateway_ip: '10.8.1.1', vpc_id: vpcId } } as never),
        ),
      { signal },
    )
    const subnetId = s.subnet!.id!
    const g = await api.sdk(
      'CreateSecurityGroup',
      (c) => c.vpc.createSecurityGroup(new vpc.CreateSecurityGroupRequest().withBody({ security_group: { name: 'user-sg', vpc_id: vpcId } } as never)),
      { signal },
    )
    // The SDK's model keeps this answer under its wire name.
    const groupId = ((g as { security_group?: { id: string } }).security_group ?? g.securityGroup)!.id!
    const eip = await userEip(t.emu)
    const mine = [vpcId, subnetId, groupId, eip.id]

    let seen: Seen | undefined
    const source = emulatorSource(t.emu, {
      vpcId,
      subnets: [subnetId],
      securityGroups: [groupId],
      eipType: undefined,
      floatingIp: eip.address,
      volumeSize: 40,
      dataDisks: [{ volumeType: 'SSD', volumeSize: 20 }],
      imageMembers: [MEMBER],
      sourceImageName: undefined,
      sourceImageFilter: { filters: { name: 'Debian 12.0.0 64bit tsimg', __imagetype: 'gold' }, mostRecent: true },
    })
    let buildId = ''
    const r = await runBuild(source, {
      stateDir: t.stateDir,
      onEvent: (e) => e.type === 'build-start' && (buildId = e.buildId),
      onLine: (l) => l === 'Connected to SSH!' && (seen = serverSeen(buildId)),
    })
    expect(r.summary.error?.message).toBeUndefined()
    expect(seen).toEqual({ subnetId, vpcId, groups: [groupId], volumeSizes: [20, 40], boundIps: [eip.id] })
    // Shared with the member project.
    const image = t.emu.backend.images.get(imageIdOf(r))!
    expect([...image.launchUsers]).toEqual([MEMBER])
    // The user's VPC, subnet, group and EIP are still there, the EIP unbound; the server's volumes went with it.
    const live = leftovers(t.emu)
    for (const id of mine) expect(live.map((e) => e.id)).toContain(id)
    expect(t.emu.backend.publicIps.get(eip.id)?.instanceId).toBeUndefined()
    expect(new Set(live.filter((e) => !mine.includes(e.id)).map((e) => e.type))).toEqual(new Set(['image', 'snapshot']))
    expect(await journalFiles(t.stateDir)).toEqual([])
    await deleteImage(t.emu, image.id)
  })

  it('reuseIps binds an unbound EIP of the project for the build and leaves it unbound and kept', async () => {
    const spare = await userEip(t.emu)
    const mine = leftovers(t.emu).map((e) => e.id)
    let seen: Seen | undefined
    let buildId = ''
    const r = await runBuild(emulatorSource(t.emu, { eipType: undefined, reuseIps: true, skipCreateImage: true }), {
      stateDir: t.stateDir,
      onEvent: (e) => e.type === 'build-start' && (buildId = e.buildId),
      onLine: (l) => l === 'Connected to SSH!' && (seen = serverSeen(buildId)),
    })
    expect(r.summary.error?.message).toBeUndefined()
    expect(seen?.boundIps).toHaveLength(1)
    expect(mine).toContain(seen!.boundIps[0])
    expect(t.emu.backend.publicIps.get(spare.id)).toBeDefined()
    await expectNothingLeft(t.emu, t.stateDir, r, mine)
    for (const id of mine) expect(t.emu.backend.publicIps.get(id)?.instanceId).toBeUndefined()
  })
})
