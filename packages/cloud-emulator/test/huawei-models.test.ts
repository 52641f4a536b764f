import * as ecs from '@huaweicloud/huaweicloud-sdk-ecs'
import * as iam from '@huaweicloud/huaweicloud-sdk-iam/v3/public-api.js'
import * as vpc from '@huaweicloud/huaweicloud-sdk-vpc'
import { call, huaweiClients, iamClient as makeIamClient, type HuaweiClients } from '@tsimg/builder-huawei/api'
import { startHuaweiEmulator, type HuaweiEmulator } from '@tsimg/cloud-emulator'
import { generateKeyPair } from '@tsimg/core/plugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkAnswer, declaredAt, describeType, loadModels, type CheckReport } from './support/huawei-models.js'

// Every answer of the Huawei front end that an official SDK model describes (ECS, VPC, IAM:
// the services tsimg calls through typed clients), checked field by field against the model
// classes of @huaweicloud/huaweicloud-sdk-*: each field the emulator sends has the declared
// JSON type (a typed client such as Huawei's Go SDK refuses the answer otherwise, as it did
// with NovaShowKeypair's id), and each field tsimg reads is declared with the type tsimg
// assumes and is present in the answer. IMS and EIP have no Node SDK package (tsimg calls them
// through the generic signed client); the Go SDK run covers them.
const REGION = 'cn-north-4'
const models = loadModels([
  ['@huaweicloud/huaweicloud-sdk-ecs', 'v2'],
  ['@huaweicloud/huaweicloud-sdk-vpc', 'v2'],
  ['@huaweicloud/huaweicloud-sdk-iam', 'v3'],
])
let emu: HuaweiEmulator
let c: HuaweiClients
let iamClient: iam.IamClient
/** Action -> [response model class, raw answer]. */
const answers = new Map<string, [string, unknown]>()

/** The SDK package whose model describes each action's answer. */
const SERVICE_OF = (action: string): string => (action.startsWith('Keystone') ? 'iam' : /Vpc|Subnet|SecurityGroup/.test(action) ? 'vpc' : 'ecs')

async function record<T>(action: string, p: Promise<T>): Promise<T> {
  const res = await call(action, [], () => p)
  answers.set(action, [`${SERVICE_OF(action)}:${action}Response`, res])
  return res
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function waitJob(jobId: string): Promise<unknown> {
  for (;;) {
    const j = (await c.ecs.showJob(new ecs.ShowJobRequest().withJobId(jobId))) as unknown as { status: string }
    if (j.status === 'SUCCESS' || j.status === 'FAIL') {
      answers.set('ShowJob', ['ecs:ShowJobResponse', j])
      return j
    }
    await sleep(100)
  }
}

beforeAll(async () => {
  emu = await startHuaweiEmulator({ seed: 21, delays: { jobStarted: 50, instanceRunning: 100, instanceStopped: 100, instanceTerminated: 100 } })
  const e = emu.endpoint
  c = huaweiClients({
    accessKey: emu.credentials.accessKeyId,
    secretKey: emu.credentials.secretAccessKey,
    projectId: emu.projectId(REGION),
    endpoints: { ecs: e, vpc: e, ims: e, eip: e, iam: e },
    timeoutMs: 60_000,
  })
  iamClient = makeIamClient({ accessKey: emu.credentials.accessKeyId, secretKey: emu.credentials.secretAccessKey, endpoint: e, timeoutMs: 60_000 })

  // The whole huaweicloud-ecs flow, through the typed clients.
  await record('KeystoneListProjects', iamClient.keystoneListProjects(new iam.KeystoneListProjectsRequest().withName(REGION)))
  await record('NovaListAvailabilityZones', c.ecs.novaListAvailabilityZones(new ecs.NovaListAvailabilityZonesRequest()))
  await record('ListFlavors', c.ecs.listFlavors(new ecs.ListFlavorsRequest().withAvailabilityZone('cn-north-4a')))
  const key = generateKeyPair('ed25519')
  await record(
    'NovaCreateKeypair',
    c.ecs.novaCreateKeypair(
      new ecs.NovaCreateKeypairRequest().withBody(
        new ecs.NovaCreateKeypairRequestBody().withKeypair(new ecs.NovaCreateKeypairOption('model-key').withPublicKey(key.publicKey.trim())),
      ),
    ),
  )
  await record('NovaShowKeypair', c.ecs.novaShowKeypair(new ecs.NovaShowKeypairRequest().withKeypairName('model-key')))
  await record('NovaListKeypairs', c.ecs.novaListKeypairs(new ecs.NovaListKeypairsRequest()))
  const v = await record(
    'CreateVpc',
    c.vpc.createVpc(
      new vpc.CreateVpcRequest().withBody(new vpc.CreateVpcRequestBody().withVpc(new vpc.CreateVpcOption().withName('model-vpc').withCidr('172.16.0.0/16'))),
    ),
  )
  const vpcId = v.vpc!.id!
  await record('ShowVpc', c.vpc.showVpc(new vpc.ShowVpcRequest().withVpcId(vpcId)))
  await record('ListVpcs', c.vpc.listVpcs(new vpc.ListVpcsRequest()))
  const s = await record(
    'CreateSubnet',
    c.vpc.createSubnet(
      new vpc.CreateSubnetRequest().withBody(
        new vpc.CreateSubnetRequestBody().withSubnet(new vpc.CreateSubnetOption('model-subnet', '172.16.0.0/24', vpcId, '172.16.0.1')),
      ),
    ),
  )
  const subnetId = s.subnet!.id!
  await record('ShowSubnet', c.vpc.showSubnet(new vpc.ShowSubnetRequest().withSubnetId(subnetId)))
  await record('ListSubnets', c.vpc.listSubnets(new vpc.ListSubnetsRequest().withVpcId(vpcId)))
  const g = await record(
    'CreateSecurityGroup',
    c.vpc.createSecurityGroup(
      new vpc.CreateSecurityGroupRequest().withBody(
        new vpc.CreateSecurityGroupRequestBody().withSecurityGroup(new vpc.CreateSecurityGroupOption().withName('model-sg').withVpcId(vpcId)),
      ),
    ),
  )
  const groupId = (g as unknown as { security_group: { id: string } }).security_group.id
  await record(
    'CreateSecurityGroupRule',
    c.vpc.createSecurityGroupRule(
      new vpc.CreateSecurityGroupRuleRequest().withBody(
        new vpc.CreateSecurityGroupRuleRequestBody().withSecurityGroupRule(
          new vpc.CreateSecurityGroupRuleOption()
            .withSecurityGroupId(groupId)
            .withDirection('ingress')
            .withProtocol('tcp')
            .withPortRangeMin(22)
            .withPortRangeMax(22)
            .withRemoteIpPrefix('0.0.0.0/0'),
        ),
      ),
    ),
  )
  await record('ShowSecurityGroup', c.vpc.showSecurityGroup(new vpc.ShowSecurityGroupRequest().withSecurityGroupId(groupId)))
  await record('ListSecurityGroups', c.vpc.listSecurityGroups(new vpc.ListSecurityGroupsRequest().withVpcId(vpcId)))
  await record(
    'CreateVpcResourceTag',
    c.vpc.createVpcResourceTag(
      new vpc.CreateVpcResourceTagRequest()
        .withVpcId(vpcId)
        .withBody(new vpc.CreateVpcResourceTagRequestBody(new vpc.ResourceTag('tsimg-build-id', 'b-model'))),
    ),
  )
  await record('ShowVpcTags', c.vpc.showVpcTags(new vpc.ShowVpcTagsRequest().withVpcId(vpcId)))

  const imageRef = [...emu.backend.images.values()].find((m) => m.region === REGION && m.seed && m.name === 'Ubuntu 22.04 server 64bit')!.id
  const server = {
    name: 'model-1',
    imageRef,
    flavorRef: 'c6.large.2',
    vpcid: vpcId,
    nics: [{ subnet_id: subnetId }],
    root_volume: { volumetype: 'SSD' },
    key_name: 'model-key',
    security_groups: [{ id: groupId }],
    server_tags: [{ key: 'tsimg-build-id', value: 'b-model' }],
    publicip: { eip: { iptype: '5_bgp', bandwidth: { size: 1, sharetype: 'PER', chargemode: 'traffic' } }, delete_on_termination: true },
  }
  const made = await record('CreatePostPaidServers', c.ecs.createPostPaidServers(new ecs.CreatePostPaidServersRequest().withBody({ server } as never)))
  await waitJob((made as unknown as { job_id: string }).job_id)
  const serverId = made.serverIds![0]!
  await record('ShowServer', c.ecs.showServer(new ecs.ShowServerRequest().withServerId(serverId)))
  await record('ListServersDetails', c.ecs.listServersDetails(new ecs.ListServersDetailsRequest().withTags('tsimg-build-id=b-model')))
  await record('ListServerInterfaces', c.ecs.listServerInterfaces(new ecs.ListServerInterfacesRequest().withServerId(serverId)))
  await record('ShowServerTags', c.ecs.showServerTags(new ecs.ShowServerTagsRequest().withServerId(serverId)))
  const stop = await record(
    'BatchStopServers',
    c.ecs.batchStopServers(new ecs.BatchStopServersRequest().withBody({ 'os-stop': { servers: [{ id: serverId }], type: 'SOFT' } } as never)),
  )
  await waitJob((stop as unknown as { job_id: string }).job_id)
  const del = await record(
    'DeleteServers',
    c.ecs.deleteServers(new ecs.DeleteServersRequest().withBody({ servers: [{ id: serverId }], delete_publicip: true, delete_volume: true } as never)),
  )
  await waitJob((del as unknown as { job_id: string }).job_id)
  await record('NovaDeleteKeypair', c.ecs.novaDeleteKeypair(new ecs.NovaDeleteKeypairRequest().withKeypairName('model-key')))
  await record('DeleteSecurityGroup', c.vpc.deleteSecurityGroup(new vpc.DeleteSecurityGroupRequest().withSecurityGroupId(groupId)))
  await record('DeleteSubnet', c.vpc.deleteSubnet(new vpc.DeleteSubnetRequest().withVpcId(vpcId).withSubnetId(subnetId)))
  await record('DeleteVpc', c.vpc.deleteVpc(new vpc.DeleteVpcRequest().withVpcId(vpcId)))
}, 300_000)
afterAll(async () => emu?.stop())

/**
 * What tsimg (packages/builder-huawei/src) reads from each answer, as wire paths, with the type
 * its code assumes. Keep in step with the builder: a field read here that the model lacks, or an
 * answer that lacks it, fails below.
 */
const TSIMG_READS: Record<string, Record<string, 'string' | 'number' | 'boolean' | 'object' | 'array'>> = {
  KeystoneListProjects: { 'projects[].id': 'string', 'projects[].name': 'string' },
  NovaListAvailabilityZones: { 'availabilityZoneInfo[].zoneName': 'string', 'availabilityZoneInfo[].zoneState.available': 'boolean' },
  ListFlavors: { 'flavors[].id': 'string', 'flavors[].name': 'string' },
  NovaListKeypairs: { 'keypairs[].keypair.name': 'string' },
  NovaShowKeypair: { 'keypair.created_at': 'string', 'keypair.name': 'string' },
  CreateVpc: { 'vpc.id': 'string' },
  ListVpcs: { 'vpcs[].id': 'string', 'vpcs[].name': 'string' },
  CreateSubnet: { 'subnet.id': 'string' },
  ShowSubnet: { 'subnet.vpc_id': 'string' },
  ListSubnets: { 'subnets[].id': 'string', 'subnets[].name': 'string', 'subnets[].vpc_id': 'string' },
  CreateSecurityGroup: { 'security_group.id': 'string' },
  ListSecurityGroups: { 'security_groups[].id': 'string', 'security_groups[].name': 'string', 'security_groups[].vpc_id': 'string' },
  ShowVpcTags: { 'tags[].key': 'string', 'tags[].value': 'string' },
  CreatePostPaidServers: { job_id: 'string', serverIds: 'array' },
  ShowJob: { status: 'string', 'entities.sub_jobs[].entities.server_id': 'string' },
  ShowServer: { 'server.id': 'string', 'server.status': 'string', 'server.addresses': 'object', 'server.tags': 'array', 'server.created': 'string' },
  ListServersDetails: { 'servers[].id': 'string', 'servers[].status': 'string', 'servers[].addresses': 'object', 'servers[].tags': 'array' },
  ListServerInterfaces: { 'interfaceAttachments[].port_id': 'string' },
  BatchStopServers: { job_id: 'string' },
}

/** The values at a wire path of an answer (arrays fan out). */
function valuesAt(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value]
  for (const part of path.split('.')) {
    const [name, ...arrays] = part.split('[]')
    current = current.map((v) => (v as Record<string, unknown> | undefined)?.[name!])
    for (let i = 0; i < arrays.length; i++) current = current.flatMap((v) => (Array.isArray(v) ? v : [undefined]))
  }
  return current
}

const MODEL_KIND: Record<string, string[]> = {
  string: ['string', 'date', 'enum'],
  number: ['number'],
  boolean: ['boolean'],
  object: ['map', 'class', 'any'],
  array: ['array'],
}

describe('huawei front end answers as the official SDK models declare', () => {
  it('every field of every answer of the flow has the type its model class declares', () => {
    const total: CheckReport = { checked: [], mismatches: [], undeclared: [] }
    const perAction: string[] = []
    for (const [action, [cls, answer]] of answers) {
      expect(models.has(cls), `${cls} is a model class of the SDK`).toBe(true)
      const r = checkAnswer(models, cls, answer)
      total.checked.push(...r.checked.map((p) => `${action}:${p}`))
      total.mismatches.push(...r.mismatches.map((p) => `${action}: ${p}`))
      total.undeclared.push(...r.undeclared.map((p) => `${action}: ${p}`))
      perAction.push(`${action} ${r.checked.length}`)
    }
    console.log(
      `huawei model check: ${answers.size} actions, ${total.checked.length} fields checked against ${models.size} SDK model classes (${perAction.join(', ')})`,
    )
    expect(total.mismatches).toEqual([])
    // Fields a typed client drops: the emulator sends what the service does beyond the models.
    expect(total.undeclared, total.undeclared.join('\n')).toEqual([])
    expect(answers.size).toBeGreaterThanOrEqual(28)
    expect(total.checked.length).toBeGreaterThan(500)
  })

  it('every field tsimg reads is declared by the model with the type tsimg assumes, and the emulator sends it', () => {
    let n = 0
    for (const [action, reads] of Object.entries(TSIMG_READS)) {
      const [cls, answer] = answers.get(action) ?? []
      expect(cls, `${action} was called`).toBeDefined()
      for (const [path, assumed] of Object.entries(reads)) {
        const declared = declaredAt(models, cls!, path)
        expect(declared, `${action}: ${path} is declared by ${cls}`).toBeDefined()
        const kinds = declared!.kind === 'union' ? declared!.of.map((t) => t.kind) : [declared!.kind]
        expect(
          kinds.some((k) => MODEL_KIND[assumed]!.includes(k)),
          `${action}: ${path}: tsimg reads ${assumed}, model has ${describeType(declared!)}`,
        ).toBe(true)
        const values = valuesAt(answer, path)
        expect(values.length > 0 && values.every((v) => v !== undefined), `${action}: ${path} is in the emulator's answer`).toBe(true)
        n++
      }
    }
    console.log(`huawei model check: ${n} fields tsimg reads, each declared and sent`)
    expect(n).toBeGreaterThanOrEqual(35)
  })

  it("a string where the model declares an integer is reported (the check can fail: NovaShowKeypair's id as it was)", () => {
    const r = checkAnswer(models, 'ecs:NovaShowKeypairResponse', {
      keypair: {
        id: '6a1f7c2e-1111-4222-8333-444455556666',
        name: 'k',
        fingerprint: 'f',
        public_key: 'p',
        user_id: 'u',
        deleted: false,
        created_at: '2024-01-01T00:00:00.000000',
      },
    })
    expect(r.mismatches).toEqual(['keypair.id: sent string "6a1f7c2e-1111-4222-8333-444455556666", model declares number'])
    expect(checkAnswer(models, 'vpc:ShowVpcResponse', { vpc: { id: 'x', extra_field: 1 } }).undeclared).toEqual(['vpc.extra_field'])
  })
})
