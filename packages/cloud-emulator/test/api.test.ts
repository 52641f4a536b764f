import * as ec2 from '@aws-sdk/client-ec2'
import { Hash } from '@smithy/hash-node'
import { HttpRequest } from '@smithy/protocol-http'
import { SignatureV4 } from '@smithy/signature-v4'
import { startEc2Emulator, startEmulator, FRONT_ENDS, TEST_CREDENTIALS, CATALOG_OWNER_ID, type Ec2Emulator } from '@tsimg/cloud-emulator'
import { utils } from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@tsimg/core/plugin'

// API behaviour that needs no container: auth, errors, filters, faults, the control API.
let emu: Ec2Emulator
let client: ec2.EC2Client

const clientFor = (region: string, extra: Partial<ec2.EC2ClientConfig> = {}): ec2.EC2Client =>
  new ec2.EC2Client({ region, endpoint: emu.endpoint, credentials: emu.credentials, ...extra })

async function code(p: Promise<unknown>): Promise<{ code: string; status?: number }> {
  try {
    await p
  } catch (error) {
    const e = error as { name: string; $metadata?: { httpStatusCode?: number } }
    return { code: e.name, status: e.$metadata?.httpStatusCode }
  }
  throw new Error('expected the call to fail')
}

beforeAll(async () => {
  emu = await startEc2Emulator({ seed: 42 })
  client = clientFor('us-east-1')
})
afterAll(async () => {
  await emu?.stop()
})

describe('authentication', () => {
  it('accepts the test credentials and rejects a wrong secret or an unknown key as AWS does', async () => {
    expect(emu.credentials).toEqual(TEST_CREDENTIALS)
    const ok = await client.send(new ec2.DescribeRegionsCommand({}))
    expect(ok.Regions?.map((r) => r.RegionName)).toContain('eu-west-1')
    const wrongSecret = clientFor('us-east-1', { credentials: { ...emu.credentials, secretAccessKey: 'not-the-secret' }, maxAttempts: 1 })
    expect(await code(wrongSecret.send(new ec2.DescribeRegionsCommand({})))).toEqual({ code: 'SignatureDoesNotMatch', status: 403 })
    const unknown = clientFor('us-east-1', { credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' }, maxAttempts: 1 })
    expect(await code(unknown.send(new ec2.DescribeRegionsCommand({})))).toEqual({ code: 'AuthFailure', status: 401 })
  })

  it('answers an unsigned request with AuthFailure and an unknown action with InvalidAction', async () => {
    const unsigned = await fetch(emu.endpoint, {
      method: 'POST',
      body: 'Action=DescribeRegions&Version=2016-11-15',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(unsigned.status).toBe(401)
    expect(await unsigned.text()).toContain('<Code>AuthFailure</Code>')
    const body = 'Action=LaunchRockets&Version=2016-11-15'
    const url = new URL(emu.endpoint)
    const signer = new SignatureV4({ credentials: emu.credentials, region: 'us-east-1', service: 'ec2', sha256: Hash.bind(null, 'sha256') })
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        body,
        headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      }),
    )
    const res = await fetch(emu.endpoint, { method: 'POST', body, headers: signed.headers as Record<string, string> })
    expect(res.status).toBe(400)
    expect(await res.text()).toMatch(/<Response><Errors><Error><Code>InvalidAction<\/Code>/)
  })

  it('takes the region from the credential scope: a key pair lives in one region only', async () => {
    const pub = generateKeyPair('ed25519').publicKey
    await client.send(new ec2.ImportKeyPairCommand({ KeyName: 'scoped', PublicKeyMaterial: Buffer.from(pub) }))
    const eu = clientFor('eu-west-1')
    expect(await code(eu.send(new ec2.DescribeKeyPairsCommand({ KeyNames: ['scoped'] })))).toEqual({ code: 'InvalidKeyPair.NotFound', status: 400 })
    expect(await code(client.send(new ec2.ImportKeyPairCommand({ KeyName: 'scoped', PublicKeyMaterial: Buffer.from(pub) })))).toMatchObject({
      code: 'InvalidKeyPair.Duplicate',
    })
    await client.send(new ec2.DeleteKeyPairCommand({ KeyName: 'scoped' }))
    expect(emu.ledger().filter((e) => e.type === 'key-pair')).toEqual([])
  })
})

describe('catalog and filters', () => {
  it('offers the base image in every region, found by owner and a wildcard name', async () => {
    for (const region of ['us-east-1', 'eu-central-1']) {
      const res = await clientFor(region).send(
        new ec2.DescribeImagesCommand({
          Owners: [CATALOG_OWNER_ID],
          Filters: [
            { Name: 'name', Values: ['debian-12-*-tsimg-*'] },
            { Name: 'state', Values: ['available'] },
          ],
        }),
      )
      expect(res.Images).toHaveLength(1)
      const image = res.Images![0]!
      expect(image).toMatchObject({
        Name: 'debian-12-amd64-tsimg-base',
        OwnerId: CATALOG_OWNER_ID,
        RootDeviceName: '/dev/xvda',
        State: 'available',
        Public: true,
      })
      expect(image.BlockDeviceMappings?.[0]?.Ebs?.SnapshotId).toMatch(/^snap-/)
    }
    const none = await client.send(new ec2.DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: ['debian-12-*'] }] }))
    expect(none.Images).toEqual([])
    const byQuestionMark = await client.send(new ec2.DescribeImagesCommand({ Filters: [{ Name: 'name', Values: ['debian-1?-amd64-tsimg-base'] }] }))
    expect(byQuestionMark.Images).toHaveLength(1)
  })

  it('rejects malformed and unknown image ids with their own codes', async () => {
    expect(await code(client.send(new ec2.DescribeImagesCommand({ ImageIds: ['ami-nothex'] })))).toEqual({ code: 'InvalidAMIID.Malformed', status: 400 })
    expect(await code(client.send(new ec2.DescribeImagesCommand({ ImageIds: ['ami-0123456789abcdef0'] })))).toEqual({
      code: 'InvalidAMIID.NotFound',
      status: 400,
    })
    expect(await code(client.send(new ec2.DescribeImagesCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })))).toMatchObject({
      code: 'InvalidParameterValue',
    })
  })

  it('has a default VPC with one default subnet per zone, filterable', async () => {
    const vpcs = await client.send(new ec2.DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))
    expect(vpcs.Vpcs).toHaveLength(1)
    const vpcId = vpcs.Vpcs![0]!.VpcId!
    const subnets = await client.send(
      new ec2.DescribeSubnetsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'default-for-az', Values: ['true'] },
        ],
      }),
    )
    expect(subnets.Subnets?.map((s) => s.AvailabilityZone).sort()).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c'])
    const one = await client.send(new ec2.DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1b'] }] }))
    expect(one.Subnets).toHaveLength(1)
    expect(one.Subnets![0]!.MapPublicIpOnLaunch).toBe(true)
    expect(await code(client.send(new ec2.DescribeSubnetsCommand({ SubnetIds: ['subnet-0123456789abcdef0'] })))).toMatchObject({
      code: 'InvalidSubnetID.NotFound',
    })
  })

  it('creates a VPC and subnet of its own, which stay in the ledger until deleted in order', async () => {
    const vpc = (
      await client.send(
        new ec2.CreateVpcCommand({ CidrBlock: '10.10.0.0/16', TagSpecifications: [{ ResourceType: 'vpc', Tags: [{ Key: 'Name', Value: 'build-vpc' }] }] }),
      )
    ).Vpc!
    expect(vpc).toMatchObject({ CidrBlock: '10.10.0.0/16', IsDefault: false, State: 'available', Tags: [{ Key: 'Name', Value: 'build-vpc' }] })
    expect(await code(client.send(new ec2.CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.20.0.0/24' })))).toMatchObject({ code: 'InvalidSubnet.Range' })
    const subnet = (await client.send(new ec2.CreateSubnetCommand({ VpcId: vpc.VpcId, CidrBlock: '10.10.1.0/24', AvailabilityZone: 'us-east-1c' }))).Subnet!
    expect(subnet).toMatchObject({ VpcId: vpc.VpcId, AvailabilityZone: 'us-east-1c', DefaultForAz: false, MapPublicIpOnLaunch: false })
    await client.send(new ec2.ModifySubnetAttributeCommand({ SubnetId: subnet.SubnetId, MapPublicIpOnLaunch: { Value: true } }))
    const listed = await client.send(new ec2.DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId!] }] }))
    expect(listed.Subnets?.map((s) => [s.SubnetId, s.MapPublicIpOnLaunch])).toEqual([[subnet.SubnetId, true]])
    expect(
      emu
        .ledger()
        .filter((e) => e.type === 'vpc' || e.type === 'subnet')
        .map((e) => e.id)
        .sort(),
    ).toEqual([subnet.SubnetId, vpc.VpcId].sort())
    expect(await code(client.send(new ec2.DeleteVpcCommand({ VpcId: vpc.VpcId })))).toMatchObject({ code: 'DependencyViolation' })
    await client.send(new ec2.DeleteSubnetCommand({ SubnetId: subnet.SubnetId }))
    await client.send(new ec2.DeleteVpcCommand({ VpcId: vpc.VpcId }))
    expect(emu.ledger().filter((e) => !e.seed)).toEqual([])
  })

  it('creates, tags, filters and deletes security groups', async () => {
    const sg = await client.send(
      new ec2.CreateSecurityGroupCommand({
        GroupName: 'tsimg-test',
        Description: 'test',
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'tsimg-build-id', Value: 'b1' }] }],
      }),
    )
    expect(await code(client.send(new ec2.CreateSecurityGroupCommand({ GroupName: 'tsimg-test', Description: 'again' })))).toMatchObject({
      code: 'InvalidGroup.Duplicate',
    })
    expect(await code(client.send(new ec2.CreateSecurityGroupCommand({ GroupName: 'no-description' } as ec2.CreateSecurityGroupRequest)))).toMatchObject({
      code: 'MissingParameter',
      status: 400,
    })
    expect(await code(client.send(new ec2.RunInstancesCommand({ ImageId: 'ami-0123456789abcdef0', MinCount: 1, MaxCount: 1 })))).toMatchObject({
      code: 'InvalidAMIID.NotFound',
    })
    expect(await code(client.send(new ec2.RunInstancesCommand({ ImageId: 'bogus', MinCount: 1, MaxCount: 1 })))).toMatchObject({
      code: 'InvalidAMIID.Malformed',
    })
    await client.send(
      new ec2.AuthorizeSecurityGroupIngressCommand({
        GroupId: sg.GroupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }],
      }),
    )
    const found = await client.send(new ec2.DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:tsimg-build-id', Values: ['b1'] }] }))
    expect(found.SecurityGroups).toHaveLength(1)
    expect(found.SecurityGroups![0]!.IpPermissions?.[0]).toMatchObject({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] })
    const tags = await client.send(new ec2.DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [sg.GroupId!] }] }))
    expect(tags.Tags).toEqual([{ ResourceId: sg.GroupId, ResourceType: 'security-group', Key: 'tsimg-build-id', Value: 'b1' }])
    await client.send(new ec2.DeleteSecurityGroupCommand({ GroupId: sg.GroupId }))
    expect(await code(client.send(new ec2.DeleteSecurityGroupCommand({ GroupId: sg.GroupId })))).toMatchObject({ code: 'InvalidGroup.NotFound' })
  })

  it('pages Describe answers with MaxResults and NextToken, as the SDK paginators expect', async () => {
    const sg = await client.send(new ec2.CreateSecurityGroupCommand({ GroupName: 'paged', Description: 'paged' }))
    const tags = Array.from({ length: 12 }, (_, n) => ({ Key: `k${n}`, Value: `v${n}` }))
    await client.send(new ec2.CreateTagsCommand({ Resources: [sg.GroupId!], Tags: tags }))
    const pages: number[] = []
    const seen: string[] = []
    for await (const p of ec2.paginateDescribeTags({ client, pageSize: 5 }, { Filters: [{ Name: 'resource-id', Values: [sg.GroupId!] }] })) {
      pages.push(p.Tags?.length ?? 0)
      seen.push(...(p.Tags ?? []).map((t) => t.Key!))
    }
    expect(pages).toEqual([5, 5, 2])
    expect(seen.sort()).toEqual(tags.map((t) => t.Key).sort())
    expect(await code(client.send(new ec2.DescribeSecurityGroupsCommand({ GroupIds: [sg.GroupId!], MaxResults: 5 })))).toMatchObject({
      code: 'InvalidParameterCombination',
    })
    await client.send(new ec2.DeleteTagsCommand({ Resources: [sg.GroupId!], Tags: [{ Key: 'k0' }, { Key: 'k1', Value: 'not-v1' }] }))
    const left = await client.send(
      new ec2.DescribeTagsCommand({
        Filters: [
          { Name: 'resource-id', Values: [sg.GroupId!] },
          { Name: 'key', Values: ['k0', 'k1'] },
        ],
      }),
    )
    expect(left.Tags?.map((t) => t.Key)).toEqual(['k1'])
    await client.send(new ec2.DeleteSecurityGroupCommand({ GroupId: sg.GroupId }))
  })

  it('creates a key pair whose private key is usable', async () => {
    for (const KeyType of ['rsa', 'ed25519'] as const) {
      const kp = await client.send(new ec2.CreateKeyPairCommand({ KeyName: `made-${KeyType}`, KeyType }))
      const parsed = utils.parseKey(kp.KeyMaterial!)
      expect(parsed instanceof Error ? parsed.message : parsed.type).toBe(KeyType === 'rsa' ? 'ssh-rsa' : 'ssh-ed25519')
      const listed = await client.send(new ec2.DescribeKeyPairsCommand({ KeyNames: [kp.KeyName!], IncludePublicKey: true }))
      expect(listed.KeyPairs?.[0]?.KeyFingerprint).toBe(kp.KeyFingerprint)
      if (!(parsed instanceof Error)) expect(listed.KeyPairs?.[0]?.PublicKey).toContain(parsed.getPublicSSH().toString('base64'))
      await client.send(new ec2.DeleteKeyPairCommand({ KeyPairId: kp.KeyPairId }))
    }
  })
})

describe('faults', () => {
  it('injects a fault a given number of times; the SDK retries throttling with RequestLimitExceeded 503', async () => {
    emu.injectFault({ action: 'DescribeAvailabilityZones', code: 'RequestLimitExceeded', times: 2 })
    const res = await clientFor('us-east-1', { maxAttempts: 4 }).send(new ec2.DescribeAvailabilityZonesCommand({}))
    expect(res.$metadata.attempts).toBe(3)
    emu.injectFault({ action: 'DescribeAvailabilityZones', code: 'RequestLimitExceeded', times: 1 })
    expect(await code(clientFor('us-east-1', { maxAttempts: 1 }).send(new ec2.DescribeAvailabilityZonesCommand({})))).toEqual({
      code: 'RequestLimitExceeded',
      status: 503,
    })
    emu.injectFault({ action: 'DeleteKeyPair', code: 'DependencyViolation', times: 1 })
    expect(await code(client.send(new ec2.DeleteKeyPairCommand({ KeyName: 'nothing' })))).toEqual({ code: 'DependencyViolation', status: 400 })
    emu.clearFaults()
  })

  it("can fail a call after it took effect, as a lost response does; the SDK's retry then meets what it made", async () => {
    emu.injectFault({ action: 'CreateSecurityGroup', code: 'InternalError', times: 1, phase: 'after' })
    const err = await code(
      clientFor('us-east-1', { maxAttempts: 2 }).send(new ec2.CreateSecurityGroupCommand({ GroupName: 'lost', Description: 'lost response' })),
    )
    expect(err).toMatchObject({ code: 'InvalidGroup.Duplicate' })
    expect(emu.ledger().filter((e) => e.type === 'security-group')).toMatchObject([{ name: 'lost' }])
    await client.send(new ec2.DeleteSecurityGroupCommand({ GroupName: 'lost' }))
  })

  it('refuses denied actions with UnauthorizedOperation and checks session tokens', async () => {
    const limited = { accessKeyId: 'AKIALIMITED', secretAccessKey: 'limited-secret', deniedActions: ['CreateSecurityGroup'] }
    const temporary = { accessKeyId: 'ASIATEMPORARY', secretAccessKey: 'temp-secret', sessionToken: 'token-1' }
    const other = await startEc2Emulator({ credentials: [limited, temporary], regions: ['us-east-1'] })
    try {
      const c = (credentials: ec2.EC2ClientConfig['credentials']): ec2.EC2Client =>
        new ec2.EC2Client({ region: 'us-east-1', endpoint: other.endpoint, credentials, maxAttempts: 1 })
      expect(await code(c(limited).send(new ec2.CreateSecurityGroupCommand({ GroupName: 'x', Description: 'x' })))).toEqual({
        code: 'UnauthorizedOperation',
        status: 403,
      })
      await c(limited).send(new ec2.DescribeVpcsCommand({}))
      await c(temporary).send(new ec2.DescribeVpcsCommand({}))
      expect(await code(c({ ...temporary, sessionToken: 'token-2' }).send(new ec2.DescribeVpcsCommand({})))).toEqual({ code: 'AuthFailure', status: 401 })
      expect(await code(c(TEST_CREDENTIALS).send(new ec2.DescribeVpcsCommand({})))).toEqual({ code: 'AuthFailure', status: 401 })
    } finally {
      await other.stop()
    }
  })

  it('throttles 30% of all calls, deterministically for a seed, and retries get every call through', async () => {
    const runs: number[][] = []
    for (let n = 0; n < 2; n++) {
      const seeded = await startEc2Emulator({ seed: 7, throttleProbability: 0.3, regions: ['us-east-1'] })
      try {
        const c = new ec2.EC2Client({ region: 'us-east-1', endpoint: seeded.endpoint, credentials: seeded.credentials, maxAttempts: 10 })
        const attempts: number[] = []
        for (let i = 0; i < 12; i++) attempts.push((await c.send(new ec2.DescribeVpcsCommand({}))).$metadata.attempts ?? 0)
        runs.push(attempts)
      } finally {
        await seeded.stop()
      }
    }
    expect(runs[0]).toEqual(runs[1])
    const retried = runs[0]!.filter((a) => a > 1).length
    expect(retried).toBeGreaterThan(1)
    expect(retried).toBeLessThan(10)
  })

  it('is driven over HTTP by the control API', async () => {
    const post = (path: string, body: unknown): Promise<Response> => fetch(`${emu.endpoint}/_emulator/${path}`, { method: 'POST', body: JSON.stringify(body) })
    expect((await post('faults', { action: 'DescribeVpcs', code: 'InternalError', times: 1 })).status).toBe(200)
    expect(await code(clientFor('us-east-1', { maxAttempts: 1 }).send(new ec2.DescribeVpcsCommand({})))).toEqual({ code: 'InternalError', status: 500 })
    const fired = (await (await fetch(`${emu.endpoint}/_emulator/faults`)).json()) as Record<string, number>
    expect(fired.DescribeVpcs).toBe(1)
    await fetch(`${emu.endpoint}/_emulator/faults`, { method: 'DELETE' })
    await client.send(new ec2.ImportKeyPairCommand({ KeyName: 'via-control', PublicKeyMaterial: Buffer.from(generateKeyPair('ed25519').publicKey) }))
    const ledger = (await (await fetch(`${emu.endpoint}/_emulator/ledger`)).json()) as { type: string; name?: string; seed: boolean }[]
    expect(ledger.filter((e) => !e.seed)).toMatchObject([{ type: 'key-pair', name: 'via-control' }])
    expect((await post('reset', {})).status).toBe(200)
    expect(emu.ledger().filter((e) => !e.seed)).toEqual([])
  })
})

describe('elastic IPs', () => {
  it('allocates, tags, describes and releases an address; EC2 codes for a missing instance, an unknown id and a double release', async () => {
    const a = await client.send(
      new ec2.AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'tsimg-build-id', Value: 'b-eip' }] }] }),
    )
    expect(a.AllocationId).toMatch(/^eipalloc-0[0-9a-f]{16}$/)
    expect(a.PublicIp).toMatch(/^127\.0\.0\.\d+$/)
    expect(
      emu
        .ledger()
        .filter((e) => e.type === 'public-ip')
        .map((e) => [e.id, e.state, e.tags['tsimg-build-id']]),
    ).toEqual([[a.AllocationId, 'available', 'b-eip']])
    const listed = await client.send(new ec2.DescribeAddressesCommand({ Filters: [{ Name: 'tag:tsimg-build-id', Values: ['b-eip'] }] }))
    expect(listed.Addresses?.map((x) => [x.AllocationId, x.PublicIp, x.AssociationId])).toEqual([[a.AllocationId, a.PublicIp, undefined]])
    expect(await code(client.send(new ec2.AssociateAddressCommand({ AllocationId: a.AllocationId, InstanceId: 'i-0123456789abcdef0' })))).toEqual({
      code: 'InvalidInstanceID.NotFound',
      status: 400,
    })
    expect(await code(client.send(new ec2.DisassociateAddressCommand({ PublicIp: a.PublicIp })))).toEqual({ code: 'IncorrectState', status: 400 })
    await client.send(new ec2.ReleaseAddressCommand({ AllocationId: a.AllocationId }))
    expect(await code(client.send(new ec2.ReleaseAddressCommand({ AllocationId: a.AllocationId })))).toEqual({
      code: 'InvalidAllocationID.NotFound',
      status: 400,
    })
    expect(emu.ledger().filter((e) => e.type === 'public-ip')).toEqual([])
  })
})

describe('lifecycle', () => {
  it('refuses an unknown front end by name, listing the registered ones, before starting anything', async () => {
    expect(FRONT_ENDS.map((f) => f.name)).toContain('aws')
    await expect(startEmulator({ frontEnds: ['aws', 'no-such-cloud'] })).rejects.toThrow(/unknown cloud front end 'no-such-cloud' \(known: aws/)
  })

  it('serves each started front end on its own endpoint, with the control API on each', async () => {
    expect(emu.endpoints).toEqual({ aws: emu.endpoint })
    expect(await (await fetch(`${emu.endpoints.aws}/_emulator/health`)).json()).toEqual({ ok: true })
  })
})
