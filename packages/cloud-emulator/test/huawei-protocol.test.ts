import * as ecs from '@huaweicloud/huaweicloud-sdk-ecs'
import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc'
import { call, HuaweiApiError, huaweiClients, lookupProjectId, type HuaweiClients } from '@tsimg/builder-huawei/api'
import { startHuaweiEmulator, type HuaweiEmulator } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The Huawei front end, spoken to through the official Node SDK (tamed by @tsimg/builder-huawei
// so it neither prints requests nor writes to the home directory).
const REGION = 'cn-north-4'
let emu: HuaweiEmulator
let c: HuaweiClients

const clients = (secretKey: string, accessKey = emu.credentials.accessKeyId, projectId = emu.projectId(REGION)): HuaweiClients => {
  const e = emu.endpoint
  return huaweiClients({ accessKey, secretKey, projectId, endpoints: { ecs: e, vpc: e, ims: e, eip: e, iam: e }, timeoutMs: 30_000 })
}

/** The HuaweiApiError a call ends with (fails the test if it succeeds). */
async function failure(p: Promise<unknown>): Promise<HuaweiApiError> {
  const error = await call('op', [], () => p).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(HuaweiApiError)
  return error as HuaweiApiError
}

beforeAll(async () => {
  emu = await startHuaweiEmulator({ seed: 8 })
  c = clients(emu.credentials.secretAccessKey)
})
afterAll(async () => emu?.stop())

describe('huawei front end: signing, IAM, errors', () => {
  it("answers the Keystone project lookup with exactly the region's project", async () => {
    const id = await lookupProjectId({
      ...{ accessKey: emu.credentials.accessKeyId, secretKey: emu.credentials.secretAccessKey },
      region: REGION,
      iamEndpoint: emu.endpoint,
    })
    expect(id).toBe(emu.projectId(REGION))
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(emu.projectId('cn-east-3')).not.toBe(id)
  })

  it('rejects a request signed with the wrong secret key with APIGW.0301 and 401', async () => {
    const bad = clients('not-the-secret-key')
    const e = await failure(bad.ecs.novaListAvailabilityZones(new ecs.NovaListAvailabilityZonesRequest()))
    expect(e.status).toBe(401)
    expect(e.code).toBe('APIGW.0301')
    expect(e.detail).toContain('verify aksk signature fail')
    expect(e.requestId).toMatch(/^[0-9a-f]{32}$/)
  })

  it('rejects an unknown access key with APIGW.0301 naming it', async () => {
    const e = await failure(clients('x', 'HWUNKNOWNAK').vpc.listVpcs(new vpc.ListVpcsRequest()))
    expect([e.status, e.code]).toEqual([401, 'APIGW.0301'])
    expect(e.detail).toContain('ak:HWUNKNOWNAK,err:ak not exist')
  })

  it("rejects a project id that is not the caller's", async () => {
    const e = await failure(clients(emu.credentials.secretAccessKey, undefined, '0'.repeat(32)).vpc.listVpcs(new vpc.ListVpcsRequest()))
    expect([e.status, e.code]).toEqual([401, 'APIGW.0301'])
  })

  it('answers throttling with APIGW.0308 and 429, before the call acts', async () => {
    emu.setThrottle(1)
    try {
      const e = await failure(
        c.vpc.createVpc(
          new vpc.CreateVpcRequest().withBody(new vpc.CreateVpcRequestBody().withVpc(new vpc.CreateVpcOption().withName('throttled').withCidr('10.1.0.0/16'))),
        ),
      )
      expect([e.status, e.code]).toEqual([429, 'APIGW.0308'])
    } finally {
      emu.clearFaults()
    }
    const list = await c.vpc.listVpcs(new vpc.ListVpcsRequest())
    expect(list.vpcs?.map((v) => v.name)).not.toContain('throttled')
  })

  it('answers an unknown API with APIGW.0101 and 404 (generic signed client)', async () => {
    const e = await failure(
      c.ims.sendRequest({
        method: 'GET',
        url: '/v9/nothing/here',
        contentType: 'application/json',
        pathParams: {},
        queryParams: {},
        headers: {},
        data: {},
      } as never),
    )
    expect([e.status, e.code]).toEqual([404, 'APIGW.0101'])
  })
})

describe('huawei front end: Nova (v2.1) availability zones and key pairs', () => {
  it("lists the region's zones as available", async () => {
    const res = await c.ecs.novaListAvailabilityZones(new ecs.NovaListAvailabilityZonesRequest())
    expect(res.availabilityZoneInfo?.map((z) => z.zoneName)).toEqual(['cn-north-4a', 'cn-north-4b', 'cn-north-4c'])
    expect(res.availabilityZoneInfo?.every((z) => z.zoneState?.available)).toBe(true)
  })

  it("imports a public key, shows it, deletes it, and then answers 404 in Nova's itemNotFound shape (tsimg reads the code from the body the SDK drops)", async () => {
    const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq3xWcBPVfQeF0Xj4mB6jWmJ7nqYpH5bJt1v8YyqYfB test'
    const made = await c.ecs.novaCreateKeypair(
      new ecs.NovaCreateKeypairRequest().withBody(
        new ecs.NovaCreateKeypairRequestBody().withKeypair(new ecs.NovaCreateKeypairOption('tsimg-key').withPublicKey(publicKey)),
      ),
    )
    expect(made.keypair?.name).toBe('tsimg-key')
    expect(made.keypair?.fingerprint).toBeTruthy()
    expect((made.keypair as Record<string, unknown>).private_key).toBeUndefined()
    const dup = await failure(
      c.ecs.novaCreateKeypair(
        new ecs.NovaCreateKeypairRequest().withBody(
          new ecs.NovaCreateKeypairRequestBody().withKeypair(new ecs.NovaCreateKeypairOption('tsimg-key').withPublicKey(publicKey)),
        ),
      ),
    )
    expect(dup.status).toBe(409)
    const deleted = await c.ecs.novaDeleteKeypair(new ecs.NovaDeleteKeypairRequest().withKeypairName('tsimg-key'))
    expect(deleted.httpStatusCode).toBe(204)
    const gone = await failure(c.ecs.novaDeleteKeypair(new ecs.NovaDeleteKeypairRequest().withKeypairName('tsimg-key')))
    expect([gone.status, gone.code]).toEqual([404, 'itemNotFound'])
  })
})

describe('huawei front end: VPC v1', () => {
  it('creates a VPC and a subnet, tags them, refuses to delete the VPC while the subnet exists, then deletes both', async () => {
    const v = await c.vpc.createVpc(
      new vpc.CreateVpcRequest().withBody(new vpc.CreateVpcRequestBody().withVpc(new vpc.CreateVpcOption().withName('vpc-tsimg').withCidr('172.16.0.0/16'))),
    )
    const vpcId = v.vpc!.id!
    expect(vpcId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect([v.vpc?.name, v.vpc?.cidr, v.vpc?.status]).toEqual(['vpc-tsimg', '172.16.0.0/16', 'OK'])
    const s = await c.vpc.createSubnet(
      new vpc.CreateSubnetRequest().withBody(
        new vpc.CreateSubnetRequestBody().withSubnet(
          new vpc.CreateSubnetOption('subnet-tsimg', '172.16.0.0/24', vpcId, '172.16.0.1').withAvailabilityZone('cn-north-4b'),
        ),
      ),
    )
    const subnetId = s.subnet!.id!
    expect([
      s.subnet?.status,
      s.subnet?.availabilityZone ?? (s.subnet as Record<string, unknown>).availability_zone,
      s.subnet?.vpcId ?? (s.subnet as Record<string, unknown>).vpc_id,
    ]).toEqual(['ACTIVE', 'cn-north-4b', vpcId])
    await c.vpc.createVpcResourceTag(
      new vpc.CreateVpcResourceTagRequest().withVpcId(vpcId).withBody(new vpc.CreateVpcResourceTagRequestBody(new vpc.ResourceTag('tsimg-build-id', 'b-1'))),
    )
    const tags = await c.vpc.showVpcTags(new vpc.ShowVpcTagsRequest().withVpcId(vpcId))
    expect(tags.tags).toEqual([{ key: 'tsimg-build-id', value: 'b-1' }])
    expect(emu.ledger().some((r) => r.id === vpcId)).toBe(true)

    const busy = await failure(c.vpc.deleteVpc(new vpc.DeleteVpcRequest().withVpcId(vpcId)))
    expect(busy.status).toBe(409)
    const listed = await c.vpc.listSubnets(new vpc.ListSubnetsRequest().withVpcId(vpcId))
    expect(listed.subnets?.map((x) => x.id)).toEqual([subnetId])

    await c.vpc.deleteSubnet(new vpc.DeleteSubnetRequest().withVpcId(vpcId).withSubnetId(subnetId))
    const noSubnet = await failure(c.vpc.showSubnet(new vpc.ShowSubnetRequest().withSubnetId(subnetId)))
    // VPC v1 answers {"code":"VPC.0202",...}; the SDK reads only error.code/error_code, tsimg's call() reads the body.
    expect([noSubnet.status, noSubnet.code]).toEqual([404, 'VPC.0202'])
    await c.vpc.deleteVpc(new vpc.DeleteVpcRequest().withVpcId(vpcId))
    expect((await failure(c.vpc.showVpc(new vpc.ShowVpcRequest().withVpcId(vpcId)))).status).toBe(404)
  })

  it('creates a security group with an SSH rule and deletes it', async () => {
    const v = await c.vpc.createVpc(
      new vpc.CreateVpcRequest().withBody(new vpc.CreateVpcRequestBody().withVpc(new vpc.CreateVpcOption().withName('vpc-sg').withCidr('10.20.0.0/16'))),
    )
    const g = await c.vpc.createSecurityGroup(
      new vpc.CreateSecurityGroupRequest().withBody(
        new vpc.CreateSecurityGroupRequestBody().withSecurityGroup(new vpc.CreateSecurityGroupOption().withName('tsimg-ssh').withVpcId(v.vpc!.id!)),
      ),
    )
    const groupId = g.securityGroup?.id ?? (g as Record<string, any>).security_group.id
    await c.vpc.createSecurityGroupRule(
      new vpc.CreateSecurityGroupRuleRequest().withBody(
        new vpc.CreateSecurityGroupRuleRequestBody().withSecurityGroupRule(
          new vpc.CreateSecurityGroupRuleOption()
            .withSecurityGroupId(groupId)
            .withDirection('ingress')
            .withProtocol('tcp')
            .withPortRangeMin(22)
            .withPortRangeMax(22)
            .withRemoteIpPrefix('127.0.0.0/8'),
        ),
      ),
    )
    const shown = await c.vpc.showSecurityGroup(new vpc.ShowSecurityGroupRequest().withSecurityGroupId(groupId))
    const rules = ((shown as Record<string, any>).security_group.security_group_rules as Array<Record<string, unknown>>).filter(
      (r) => r.direction === 'ingress',
    )
    expect(rules).toEqual([expect.objectContaining({ protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '127.0.0.0/8' })])
    await c.vpc.deleteSecurityGroup(new vpc.DeleteSecurityGroupRequest().withSecurityGroupId(groupId))
    expect((await failure(c.vpc.showSecurityGroup(new vpc.ShowSecurityGroupRequest().withSecurityGroupId(groupId)))).status).toBe(404)
    await c.vpc.deleteVpc(new vpc.DeleteVpcRequest().withVpcId(v.vpc!.id!))
  })

  it("an injected fault after the call acts leaves its effect (a lost response), in the service's status", async () => {
    emu.injectFault({ action: 'CreateVpc', code: 'VPC.0001', status: 500, phase: 'after', times: 1 })
    const e = await failure(
      c.vpc.createVpc(
        new vpc.CreateVpcRequest().withBody(new vpc.CreateVpcRequestBody().withVpc(new vpc.CreateVpcOption().withName('lost-answer').withCidr('10.9.0.0/16'))),
      ),
    )
    expect(e.status).toBe(500)
    const list = await c.vpc.listVpcs(new vpc.ListVpcsRequest())
    const lost = list.vpcs?.find((x) => x.name === 'lost-answer')
    expect(lost).toBeTruthy()
    await c.vpc.deleteVpc(new vpc.DeleteVpcRequest().withVpcId(lost!.id!))
  })

  it('a fault with `request` fails only the call whose body matches it; one with `until` holds the call until released', async () => {
    const create = (name: string) =>
      c.vpc.createVpc(
        new vpc.CreateVpcRequest().withBody(new vpc.CreateVpcRequestBody().withVpc(new vpc.CreateVpcOption().withName(name).withCidr('10.8.0.0/16'))),
      )
    emu.injectFault({ action: 'CreateVpc', code: 'VPC.0001', status: 500, request: '^POST /v1/[^/]+/vpcs\\n.*"name":"refused"', times: 1 })
    const other = await create('accepted')
    expect((await failure(create('refused'))).status).toBe(500)

    let release!: () => void
    emu.injectFault({ action: 'CreateVpc', until: new Promise<void>((r) => (release = r)), times: 1 })
    const before = emu.faultsFired().CreateVpc ?? 0
    let answered = false
    const held = create('held').then((v) => ((answered = true), v))
    while ((emu.faultsFired().CreateVpc ?? 0) === before) await new Promise((r) => setTimeout(r, 10))
    // Held: nothing made, no answer, until the test releases it.
    expect((await c.vpc.listVpcs(new vpc.ListVpcsRequest())).vpcs?.some((x) => x.name === 'held')).toBe(false)
    expect(answered).toBe(false)
    release()
    const made = await held
    expect((await c.vpc.listVpcs(new vpc.ListVpcsRequest())).vpcs?.some((x) => x.name === 'held')).toBe(true)
    for (const id of [other.vpc!.id!, made.vpc!.id!]) await c.vpc.deleteVpc(new vpc.DeleteVpcRequest().withVpcId(id))
  })
})

describe('huawei front end: flavors and EIPs', () => {
  it('lists flavors, and refuses a zone the region does not have with Ecs.0005', async () => {
    const res = await c.ecs.listFlavors(new ecs.ListFlavorsRequest().withAvailabilityZone('cn-north-4a'))
    expect(res.flavors?.map((f) => f.name)).toContain('s6.large.2')
    const e = await failure(c.ecs.listFlavors(new ecs.ListFlavorsRequest().withAvailabilityZone('la-south-2a')))
    expect([e.status, e.code]).toEqual([400, 'Ecs.0005'])
    expect(e.detail).toContain('availability_zone=la-south-2a not exist')
  })

  it('buys an EIP through the generic signed client, tags it, refuses to bind it to an unknown port, releases it', async () => {
    const pid = emu.projectId(REGION)
    const send = (method: string, url: string, data?: unknown): Promise<any> =>
      call(`${method} ${url}`, [], () =>
        c.eip.sendRequest({ method, url, contentType: 'application/json', pathParams: {}, queryParams: {}, headers: {}, data: data ?? {} } as never),
      )
    const made = (
      await send('POST', `/v1/${pid}/publicips`, { publicip: { type: '5_bgp' }, bandwidth: { name: 'bw', size: 5, share_type: 'PER', charge_mode: 'traffic' } })
    ).publicip
    expect([made.status, made.type, made.bandwidth_size]).toEqual(['DOWN', '5_bgp', 5])
    expect(made.public_ip_address).toMatch(/^127\./)
    await send('POST', `/v2.0/${pid}/publicips/${made.id}/tags/action`, { action: 'create', tags: [{ key: 'tsimg-build-id', value: 'b-eip' }] })
    expect((await send('GET', `/v2.0/${pid}/publicips/${made.id}/tags`)).tags).toEqual([{ key: 'tsimg-build-id', value: 'b-eip' }])
    const unbound = await send('PUT', `/v1/${pid}/publicips/${made.id}`, { publicip: { port_id: 'no-such-port' } }).catch((e: unknown) => e)
    expect((unbound as HuaweiApiError).status).toBe(404)
    await send('DELETE', `/v1/${pid}/publicips/${made.id}`)
    const gone = await send('GET', `/v1/${pid}/publicips/${made.id}`).catch((e: unknown) => e)
    expect((gone as HuaweiApiError).status).toBe(404)
  })
})
