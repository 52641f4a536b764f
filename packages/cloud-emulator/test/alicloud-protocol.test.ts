import type { Server } from 'node:http'
import { alicloud, backend } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hasPacker, runPacker } from './alicloud-packer.js'
import { Dara, Ecs, OpenApi, Vpc, ecsClient, failure, vpcClient } from './alicloud-sdk.js'

// The wire protocol alone (signatures, errors, request shapes), on the region catalog,
// which needs no backend state: every call goes through the official Node SDK.
const CREDS = { accessKeyId: 'LTAI5tEmulatorTest0001', secretAccessKey: 'tsimg-alicloud-emulator-secret-01' }
const STS = { accessKeyId: 'STS.EmulatorTest0002', secretAccessKey: 'tsimg-alicloud-sts-secret-02', sessionToken: 'tsimg-sts-token' }
let server: Server
let endpoint: string
// A backend that is never started: only its fault injection (cloud.act) is used here.
const cloud = new backend.Cloud({ seed: 7, profiles: [alicloud.ALICLOUD_EMULATOR_PROFILE] })
const faults = cloud.faults
const calls: { action: string; status: number; code?: string; scheme?: string }[] = []

beforeAll(async () => {
  ;({ server, endpoint } = await alicloud.startAlicloudServer({
    credentials: [CREDS, STS],
    actions: alicloud.protocolActions(),
    act: (action, fn, request) => cloud.act('alicloud', action, fn, request),
    onCall: (c) => calls.push(c),
  }))
})
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve))
})

describe('signatures', () => {
  it('accepts ACS3-HMAC-SHA256 (the SDK default) and HMAC-SHA1 (signatureAlgorithm v2)', async () => {
    for (const signatureAlgorithm of [undefined, 'v2'] as const) {
      const r = await ecsClient(endpoint, CREDS, { signatureAlgorithm }).describeRegions(new Ecs.DescribeRegionsRequest({}))
      expect(r.statusCode).toBe(200)
      expect(r.body?.regions?.region?.map((x) => x.regionId)).toEqual(expect.arrayContaining(['cn-hangzhou', 'cn-beijing']))
      expect(r.body?.regions?.region?.[0]?.regionEndpoint).toBe('ecs.cn-hangzhou.aliyuncs.com')
    }
    expect(calls.slice(-2).map((c) => c.scheme)).toEqual(['ACS3-HMAC-SHA256', 'HMAC-SHA1'])
  })

  it('answers a wrong secret with SignatureDoesNotMatch (400) and an unknown key with InvalidAccessKeyId.NotFound (404)', async () => {
    for (const signatureAlgorithm of [undefined, 'v2'] as const) {
      const wrong = ecsClient(endpoint, { ...CREDS, secretAccessKey: 'not-the-secret' }, { signatureAlgorithm })
      expect(await failure(wrong.describeRegions(new Ecs.DescribeRegionsRequest({})))).toEqual({
        name: 'ClientError',
        code: 'SignatureDoesNotMatch',
        statusCode: 400,
      })
      const unknown = ecsClient(endpoint, { accessKeyId: 'LTAI5tUnknown', secretAccessKey: 'x' }, { signatureAlgorithm })
      expect(await failure(unknown.describeRegions(new Ecs.DescribeRegionsRequest({})))).toEqual({
        name: 'ClientError',
        code: 'InvalidAccessKeyId.NotFound',
        statusCode: 404,
      })
    }
  })

  it('requires the STS security token of temporary credentials, in both schemes', async () => {
    for (const signatureAlgorithm of [undefined, 'v2'] as const) {
      const ok = await ecsClient(endpoint, STS, { signatureAlgorithm }).describeRegions(new Ecs.DescribeRegionsRequest({}))
      expect(ok.statusCode).toBe(200)
      const mismatch = ecsClient(endpoint, { ...STS, sessionToken: 'another-token' }, { signatureAlgorithm })
      expect(await failure(mismatch.describeRegions(new Ecs.DescribeRegionsRequest({})))).toMatchObject({
        code: 'InvalidSecurityToken.Mismatch',
        statusCode: 400,
      })
    }
  })

  it('refuses a signature nonce that was already used', async () => {
    const client = ecsClient(endpoint, CREDS)
    const runtime = new Dara.RuntimeOptions({ extendsParameters: { headers: { 'x-acs-signature-nonce': `nonce-${Date.now()}` } } })
    const request = new Ecs.DescribeRegionsRequest({})
    expect((await client.describeRegionsWithOptions(request, runtime)).statusCode).toBe(200)
    expect(await failure(client.describeRegionsWithOptions(request, runtime))).toMatchObject({ code: 'SignatureNonceUsed', statusCode: 400 })
  })
})

describe('requests and answers', () => {
  it('serves ECS 2014-05-26 and VPC 2016-04-28 on one port, each with its own endpoints', async () => {
    const zones = await ecsClient(endpoint, CREDS).describeZones(new Ecs.DescribeZonesRequest({ regionId: 'cn-beijing' }))
    expect(zones.body?.zones?.zone?.map((z) => z.zoneId)).toEqual(['cn-beijing-g', 'cn-beijing-h', 'cn-beijing-i'])
    expect(zones.body?.zones?.zone?.[0]?.availableResourceCreation?.resourceTypes).toContain('VSwitch')
    expect(zones.body?.zones?.zone?.[0]?.availableInstanceTypes?.instanceTypes).toContain('ecs.g7.large')
    expect(zones.body?.zones?.zone?.[2]?.availableInstanceTypes?.instanceTypes).not.toContain('ecs.g7.large')
    const vpc = await vpcClient(endpoint, CREDS).describeRegions(new Vpc.DescribeRegionsRequest({}))
    expect(vpc.body?.regions?.region?.[0]?.regionEndpoint).toBe('vpc.cn-hangzhou.aliyuncs.com')
  })

  it('answers an unknown region with InvalidRegionId.NotFound and an unknown action with InvalidAction.NotFound (404)', async () => {
    const client = ecsClient(endpoint, CREDS)
    expect(await failure(client.describeZones(new Ecs.DescribeZonesRequest({ regionId: 'mars-north-1' })))).toMatchObject({
      name: 'ClientError',
      code: 'InvalidRegionId.NotFound',
      statusCode: 404,
    })
    const params = new OpenApi.$OpenApiUtil.Params({
      action: 'LaunchRockets',
      version: '2014-05-26',
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    })
    const call = client.callApi(params, new OpenApi.$OpenApiUtil.OpenApiRequest({ query: {} }), new Dara.RuntimeOptions({}))
    expect(await failure(call)).toMatchObject({ code: 'InvalidAction.NotFound', statusCode: 404 })
  })

  it('accepts a request line as long as 32 KB of user data makes it, URL-encoded', async () => {
    const userData = Buffer.from('#!/bin/sh\n' + 'echo tsimg-user-data-line >> /tmp/log\n'.repeat(900)).toString('base64')
    expect(userData.length).toBeGreaterThan(43_000)
    const params = new OpenApi.$OpenApiUtil.Params({
      action: 'DescribeZones',
      version: '2014-05-26',
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    })
    const r = await ecsClient(endpoint, CREDS).callApi(
      params,
      new OpenApi.$OpenApiUtil.OpenApiRequest({ query: { RegionId: 'cn-hangzhou', UserData: userData } }),
      new Dara.RuntimeOptions({}),
    )
    expect(r.statusCode).toBe(200)
  })
})

describe('faults', () => {
  it('turns throttling into Throttling.User, which the SDK raises as a ThrottlingError', async () => {
    faults.throttleProbability = 1
    try {
      const e = await failure(ecsClient(endpoint, CREDS).describeRegions(new Ecs.DescribeRegionsRequest({})))
      expect(e).toMatchObject({ name: 'ThrottlingError', code: 'Throttling.User', statusCode: 400 })
    } finally {
      faults.throttleProbability = 0
    }
  })

  it('fails an action before it acts or after (a lost answer), with the status the code has', async () => {
    faults.add({ action: 'DescribeZones', code: 'ServiceUnavailable', times: 1 })
    faults.add({ action: 'DescribeZones', code: 'InternalError', phase: 'after', times: 1 })
    const client = ecsClient(endpoint, CREDS)
    const request = new Ecs.DescribeZonesRequest({ regionId: 'cn-hangzhou' })
    expect(await failure(client.describeZones(request))).toMatchObject({ name: 'ServerError', code: 'ServiceUnavailable', statusCode: 503 })
    expect(await failure(client.describeZones(request))).toMatchObject({ name: 'ServerError', code: 'InternalError', statusCode: 500 })
    expect((await client.describeZones(request)).statusCode).toBe(200)
  })

  it('a fault with `request` fails only the calls whose parameters match it', async () => {
    faults.add({ action: 'DescribeZones', code: 'InternalError', request: '^RegionId=cn-shanghai$', times: 1 })
    const client = ecsClient(endpoint, CREDS)
    expect((await client.describeZones(new Ecs.DescribeZonesRequest({ regionId: 'cn-hangzhou' }))).statusCode).toBe(200)
    expect(await failure(client.describeZones(new Ecs.DescribeZonesRequest({ regionId: 'cn-shanghai' })))).toMatchObject({
      code: 'InternalError',
      statusCode: 500,
    })
    expect((await client.describeZones(new Ecs.DescribeZonesRequest({ regionId: 'cn-shanghai' }))).statusCode).toBe(200)
  })
})

describe('an independent client: Packer 1.6.6 through HTTP_PROXY', () => {
  const template = (secret: string) => ({
    builders: [
      {
        type: 'alicloud-ecs',
        access_key: CREDS.accessKeyId,
        secret_key: secret,
        region: 'cn-beijing',
        image_name: 'packer_protocol_probe',
        source_image: 'centos_7_06_64_20G_alibase_20190711.vhd',
        instance_type: 'ecs.n1.tiny',
        io_optimized: true,
        communicator: 'none',
      },
    ],
  })

  it('sends absolute-form HMAC-SHA1 requests that verify, and sees Alibaba errors as Alibaba errors', async () => {
    expect(await hasPacker(), 'packer 1.6.6 must be installed (scripts/setup.sh)').toBe(true)
    const before = calls.length
    // Only the region catalog is served here: DescribeRegions passes, the image lookup
    // after it reaches the action table and gets InvalidAction.NotFound, in Packer's words.
    const run = await runPacker(endpoint, template(CREDS.secretAccessKey))
    expect(run.code).not.toBe(0)
    const mine = calls.slice(before)
    expect(mine[0]).toMatchObject({ action: 'DescribeRegions', status: 200, scheme: 'HMAC-SHA1' })
    expect(mine[1]).toMatchObject({ action: 'DescribeImages', status: 404, code: 'InvalidAction.NotFound', scheme: 'HMAC-SHA1' })
    expect(run.output).toContain('ErrorCode: InvalidAction.NotFound')

    const wrong = await runPacker(endpoint, template('not-the-secret'))
    expect(wrong.code).not.toBe(0)
    expect(wrong.output).toContain('ErrorCode: SignatureDoesNotMatch')
    expect(wrong.output).not.toContain('not-the-secret')
  })
})
