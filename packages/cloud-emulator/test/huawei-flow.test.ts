import * as ecs from '@huaweicloud/huaweicloud-sdk-ecs'
import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc'
import { call, HuaweiApiError, huaweiClients, type HuaweiClients } from '@tsimg/builder-huawei/api'
import { startHuaweiEmulator, type HuaweiEmulator } from '@tsimg/cloud-emulator'
import { generateKeyPair } from '@tsimg/core/plugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ssh } from './ssh.js'

// The huaweicloud-ecs flow on the Huawei front end, through the official SDK: real containers
// answering SSH on the addresses ShowServer reports, jobs moving through their states.
const REGION = 'cn-north-4'
let emu: HuaweiEmulator
let c: HuaweiClients

const generic = async (client: HcLike, method: string, url: string, data?: unknown, queryParams: Record<string, string> = {}): Promise<any> =>
  call(`${method} ${url}`, [], () =>
    client.sendRequest({ method, url, contentType: 'application/json', pathParams: {}, queryParams, headers: {}, data: data ?? {} } as never),
  )
type HcLike = HuaweiClients['ims']

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls a job until it ends; returns it with every status seen on the way. */
async function job(id: string): Promise<{ job: any; seen: string[] }> {
  const seen: string[] = []
  for (;;) {
    const j = await generic(c.ims, 'GET', `/v1/${emu.projectId(REGION)}/jobs/${id}`)
    if (seen.at(-1) !== j.status) seen.push(j.status)
    if (j.status === 'SUCCESS' || j.status === 'FAIL') return { job: j, seen }
    await sleep(100)
  }
}

function keyPair(): { publicKey: string; privateKey: string } {
  const k = generateKeyPair('ed25519')
  return { publicKey: k.publicKey.trim(), privateKey: k.privateKey }
}

let vpcId = ''
let subnetId = ''

beforeAll(async () => {
  emu = await startHuaweiEmulator({ seed: 80, delays: { jobStarted: 300 } })
  const e = emu.endpoint
  c = huaweiClients({
    accessKey: emu.credentials.accessKeyId,
    secretKey: emu.credentials.secretAccessKey,
    projectId: emu.projectId(REGION),
    endpoints: { ecs: e, vpc: e, ims: e, eip: e, iam: e },
    timeoutMs: 60_000,
  })
  const v = await c.vpc.createVpc(
    new vpc.CreateVpcRequest().withBody(new vpc.CreateVpcRequestBody().withVpc(new vpc.CreateVpcOption().withName('vpc-flow').withCidr('172.16.0.0/16'))),
  )
  vpcId = v.vpc!.id!
  const s = await c.vpc.createSubnet(
    new vpc.CreateSubnetRequest().withBody(
      new vpc.CreateSubnetRequestBody().withSubnet(new vpc.CreateSubnetOption('subnet-flow', '172.16.0.0/24', vpcId, '172.16.0.1')),
    ),
  )
  subnetId = s.subnet!.id!
})
afterAll(async () => emu?.stop())

function serverBody(name: string, extra: Partial<Record<string, unknown>> = {}): ecs.CreatePostPaidServersRequest {
  const images = emu.backend.images
  const imageRef = [...images.values()].find((m) => m.region === REGION && m.seed)!.id
  const server = {
    name,
    imageRef,
    flavorRef: 's6.large.2',
    vpcid: vpcId,
    nics: [{ subnet_id: subnetId }],
    root_volume: { volumetype: 'SSD', size: 40 },
    ...extra,
  }
  return new ecs.CreatePostPaidServersRequest().withBody({ server } as never)
}

describe('huawei front end: the huaweicloud-ecs flow', () => {
  it('creates a server with a bought EIP, SSH answers on both reported addresses, stops it, images it, deletes it with its EIP', async () => {
    const { publicKey, privateKey } = keyPair()
    await c.ecs.novaCreateKeypair(
      new ecs.NovaCreateKeypairRequest().withBody(
        new ecs.NovaCreateKeypairRequestBody().withKeypair(new ecs.NovaCreateKeypairOption('flow-key').withPublicKey(publicKey)),
      ),
    )
    // Held in INIT until released, so the test sees the state whatever the machine's speed.
    emu.setDelays({ jobStarted: 'stuck' })
    const userData = Buffer.from('#!/bin/sh\necho from-user-data > /root/user-data-ran\n').toString('base64')
    const created = await c.ecs.createPostPaidServers(
      serverBody('flow-1', {
        key_name: 'flow-key',
        user_data: userData,
        server_tags: [{ key: 'tsimg-build-id', value: 'b-flow' }],
        publicip: { eip: { iptype: '5_bgp', bandwidth: { size: 1, sharetype: 'PER', chargemode: 'traffic' } }, delete_on_termination: true },
      }),
    )
    const serverId = created.serverIds![0]!
    const jobId = created.jobId ?? (created as any).job_id
    expect((await generic(c.ims, 'GET', `/v1/${emu.projectId(REGION)}/jobs/${jobId}`)).status).toBe('INIT')
    emu.setDelays({ jobStarted: 0 })
    const made = await job(jobId)
    expect(made.job.status).toBe('SUCCESS')
    expect(made.job.entities.sub_jobs[0].entities.server_id).toBe(serverId)

    const shown = (await c.ecs.showServer(new ecs.ShowServerRequest().withServerId(serverId))) as any
    expect(shown.server.status).toBe('ACTIVE')
    const addrs = shown.server.addresses[vpcId] as Array<Record<string, string>>
    const fixed = addrs.find((a) => a['OS-EXT-IPS:type'] === 'fixed')!.addr!
    const floating = addrs.find((a) => a['OS-EXT-IPS:type'] === 'floating')!.addr!
    expect(fixed).toMatch(/^127\./)
    expect(floating).toMatch(/^127\./)
    expect(floating).not.toBe(fixed)
    for (const host of [floating, fixed]) expect(await ssh(host, 'root', privateKey, 'hostname >/dev/null && echo ok')).toContain('ok')
    // user_data runs in the background after boot, as cloud-init's does.
    while (!(await ssh(floating, 'root', privateKey, 'cat /root/user-data-ran 2>/dev/null || true')).includes('from-user-data')) await sleep(200)
    await ssh(floating, 'root', privateKey, 'echo provisioned > /etc/tsimg-flow')

    const stop = await c.ecs.batchStopServers(new ecs.BatchStopServersRequest().withBody({ 'os-stop': { servers: [{ id: serverId }], type: 'SOFT' } } as never))
    expect((await job((stop as any).job_id)).job.status).toBe('SUCCESS')
    expect(((await c.ecs.showServer(new ecs.ShowServerRequest().withServerId(serverId))) as any).server.status).toBe('SHUTOFF')

    const imageJob = await generic(c.ims, 'POST', '/v2/cloudimages/action', {
      name: 'tsimg flow image',
      instance_id: serverId,
      image_tags: [{ key: 'tsimg-build-id', value: 'b-flow' }],
    })
    const imaged = await job(imageJob.job_id)
    expect(imaged.job.status).toBe('SUCCESS')
    const imageId = imaged.job.entities.image_id as string
    const listed = await generic(c.ims, 'GET', '/v2/cloudimages', undefined, { name: 'tsimg flow image' })
    expect(listed.images.map((m: any) => [m.id, m.status, m.__imagetype])).toEqual([[imageId, 'active', 'private']])

    const del = await c.ecs.deleteServers(
      new ecs.DeleteServersRequest().withBody({ servers: [{ id: serverId }], delete_publicip: true, delete_volume: true } as never),
    )
    expect((await job((del as any).job_id)).job.status).toBe('SUCCESS')
    const gone = await call('ShowServer', [], () => c.ecs.showServer(new ecs.ShowServerRequest().withServerId(serverId))).catch((e: unknown) => e)
    expect([(gone as HuaweiApiError).status, (gone as HuaweiApiError).code]).toEqual([404, 'Ecs.0114'])
    expect((await generic(c.eip, 'GET', `/v1/${emu.projectId(REGION)}/publicips`)).publicips).toEqual([])

    // The image boots a server that holds what was provisioned.
    const again = await c.ecs.createPostPaidServers(
      new ecs.CreatePostPaidServersRequest().withBody({
        server: {
          name: 'from-image',
          imageRef: imageId,
          flavorRef: 's6.large.2',
          vpcid: vpcId,
          nics: [{ subnet_id: subnetId }],
          root_volume: { volumetype: 'SSD' },
          key_name: 'flow-key',
        },
      } as never),
    )
    expect((await job(again.jobId ?? (again as any).job_id)).job.status).toBe('SUCCESS')
    const server2 = ((await c.ecs.showServer(new ecs.ShowServerRequest().withServerId(again.serverIds![0]!))) as any).server
    expect(await ssh(server2.addresses[vpcId][0].addr, 'root', privateKey, 'cat /etc/tsimg-flow')).toContain('provisioned')
    // An EIP bought apart and bound to the server's port afterwards answers SSH too.
    const pid = emu.projectId(REGION)
    const eip = (await generic(c.eip, 'POST', `/v1/${pid}/publicips`, { publicip: { type: '5_bgp' }, bandwidth: { name: 'bw', size: 1, share_type: 'PER' } }))
      .publicip
    const port = ((await c.ecs.listServerInterfaces(new ecs.ListServerInterfacesRequest().withServerId(server2.id))) as any).interfaceAttachments[0].port_id
    expect((await generic(c.eip, 'PUT', `/v1/${pid}/publicips/${eip.id}`, { publicip: { port_id: port } })).publicip.status).toBe('ACTIVE')
    expect(await ssh(eip.public_ip_address, 'root', privateKey, 'cat /etc/tsimg-flow')).toContain('provisioned')
    await generic(c.eip, 'PUT', `/v1/${pid}/publicips/${eip.id}`, { publicip: { port_id: null } })
    await generic(c.eip, 'DELETE', `/v1/${pid}/publicips/${eip.id}`)
    const del2 = await c.ecs.deleteServers(
      new ecs.DeleteServersRequest().withBody({ servers: [{ id: server2.id }], delete_publicip: true, delete_volume: true } as never),
    )
    expect((await job((del2 as any).job_id)).job.status).toBe('SUCCESS')

    await generic(c.ims, 'DELETE', `/v2/images/${imageId}`)
    await c.ecs.novaDeleteKeypair(new ecs.NovaDeleteKeypairRequest().withKeypairName('flow-key'))
    expect(emu.ledger().filter((r) => !r.seed && !['vpc', 'subnet', 'security-group'].includes(r.type))).toEqual([])
  }, 900_000)

  it("a job fault fails the create-server job with the fault's code, and the server is not left ACTIVE", async () => {
    emu.injectFault({ action: 'job:createServer', code: 'Ecs.0010', message: 'insufficient capacity', times: 1 })
    const created = await c.ecs.createPostPaidServers(serverBody('doomed'))
    const { job: j } = await job(created.jobId ?? (created as any).job_id)
    expect([j.status, j.error_code, j.fail_reason]).toEqual(['FAIL', 'Ecs.0010', 'insufficient capacity'])
    const id = created.serverIds![0]!
    const del = await c.ecs.deleteServers(new ecs.DeleteServersRequest().withBody({ servers: [{ id }], delete_publicip: true, delete_volume: true } as never))
    expect((await job((del as any).job_id)).job.status).toBe('SUCCESS')
  }, 600_000)

  it('a lost CreatePostPaidServers answer retried with the same X-Client-Token gets the first server, not a second', async () => {
    emu.injectFault({ action: 'CreatePostPaidServers', code: 'Ecs.0001', status: 500, phase: 'after', times: 1 })
    const token = 'tsimg-client-token-1'
    const req = (): ecs.CreatePostPaidServersRequest => serverBody('idempotent').withXClientToken(token)
    const lost = await call('CreatePostPaidServers', [], () => c.ecs.createPostPaidServers(req())).catch((e: unknown) => e)
    expect((lost as HuaweiApiError).status).toBe(500)
    const retried = await c.ecs.createPostPaidServers(req())
    const live = [...emu.backend.instances.values()].filter((i) => i.clientToken === token)
    expect(live.map((i) => i.id)).toEqual(retried.serverIds)
    await job(retried.jobId ?? (retried as any).job_id)
    const del = await c.ecs.deleteServers(
      new ecs.DeleteServersRequest().withBody({ servers: [{ id: retried.serverIds![0]! }], delete_publicip: true, delete_volume: true } as never),
    )
    expect((await job((del as any).job_id)).job.status).toBe('SUCCESS')
  }, 600_000)
})
