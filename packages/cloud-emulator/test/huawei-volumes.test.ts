import * as ecs from '@huaweicloud/huaweicloud-sdk-ecs'
import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc'
import { huaweiClients, type HuaweiClients } from '@tsimg/builder-huawei/api'
import { startHuaweiEmulator, type HuaweiEmulator } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// DeleteServers' delete_volume, as ECS documents it: the system disk always goes with the
// server, data disks only with delete_volume: true (default false).
const REGION = 'cn-north-4'
let emu: HuaweiEmulator
let c: HuaweiClients
let vpcId = ''
let subnetId = ''

beforeAll(async () => {
  emu = await startHuaweiEmulator({ seed: 81, delays: { jobStarted: 50, instanceRunning: 50, instanceTerminated: 50 } })
  const e = emu.endpoint
  c = huaweiClients({
    accessKey: emu.credentials.accessKeyId,
    secretKey: emu.credentials.secretAccessKey,
    projectId: emu.projectId(REGION),
    endpoints: { ecs: e, vpc: e, ims: e, eip: e, iam: e },
    timeoutMs: 60_000,
  })
  vpcId = (
    await c.vpc.createVpc(
      new vpc.CreateVpcRequest().withBody(new vpc.CreateVpcRequestBody().withVpc(new vpc.CreateVpcOption().withName('v').withCidr('172.16.0.0/16'))),
    )
  ).vpc!.id!
  subnetId = (
    await c.vpc.createSubnet(
      new vpc.CreateSubnetRequest().withBody(
        new vpc.CreateSubnetRequestBody().withSubnet(new vpc.CreateSubnetOption('s', '172.16.0.0/24', vpcId, '172.16.0.1')),
      ),
    )
  ).subnet!.id!
})
afterAll(async () => emu?.stop())

async function serverWithDataDisk(name: string): Promise<string> {
  const imageRef = [...emu.backend.images.values()].find((m) => m.region === REGION && m.seed)!.id
  const server = {
    name,
    imageRef,
    flavorRef: 's6.small.1',
    vpcid: vpcId,
    nics: [{ subnet_id: subnetId }],
    root_volume: { volumetype: 'SSD', size: 40 },
    data_volumes: [{ volumetype: 'SSD', size: 20 }],
  }
  const res = await c.ecs.createPostPaidServers(new ecs.CreatePostPaidServersRequest().withBody({ server } as never))
  return res.serverIds![0]!
}

/** The server's disks after its deletion: those still there, with their state. */
async function deleted(id: string, deleteVolume: boolean | undefined): Promise<{ size: number; state: string }[]> {
  const disks = [...emu.backend.volumes.values()].filter((v) => v.attachment?.instanceId === id).map((v) => v.id)
  expect(disks).toHaveLength(2)
  await c.ecs.deleteServers(
    new ecs.DeleteServersRequest().withBody({
      servers: [{ id }],
      delete_publicip: true,
      ...(deleteVolume !== undefined && { delete_volume: deleteVolume }),
    } as never),
  )
  while (emu.ledger().some((e) => e.type === 'instance' && e.id === id)) await new Promise((r) => setTimeout(r, 100))
  await emu.backend.settle()
  return disks.flatMap((d) => {
    const v = emu.backend.volumes.get(d)
    return v ? [{ size: v.size, state: v.state }] : []
  })
}

describe("huawei front end: DeleteServers and the server's disks", () => {
  it('delete_volume false (and absent) keeps the data disk, available; true deletes it; the system disk always goes', async () => {
    expect(await deleted(await serverWithDataDisk('keep'), false)).toEqual([{ size: 20, state: 'available' }])
    expect(await deleted(await serverWithDataDisk('default'), undefined)).toEqual([{ size: 20, state: 'available' }])
    expect(await deleted(await serverWithDataDisk('all'), true)).toEqual([])
  }, 300_000)
})
