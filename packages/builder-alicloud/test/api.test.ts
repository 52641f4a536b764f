import { AlicloudApi, accountOf } from '@tsimg/builder-alicloud/api'
import { startEmulator, type Emulator } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const Ecs = require('@alicloud/ecs20140526') as typeof import('@alicloud/ecs20140526')

// The builder's API layer against the emulator's Alibaba front end: the SDK through the
// kit's CloudCaller, with the builder's error model deciding what is retried.
let emu: Emulator
beforeAll(async () => {
  emu = await startEmulator({ frontEnds: ['alicloud'], seed: 3 })
})
afterAll(async () => {
  await emu?.stop()
})

const apiWith = (secretKey: string): AlicloudApi =>
  new AlicloudApi({ credentials: { accessKey: emu.credentials.accessKeyId, secretKey, source: 'test' }, endpoint: emu.endpoint, maxRetries: 3 })

it('retries throttling and a 503 within its budget, then answers', async () => {
  emu.injectFault({ action: 'DescribeRegions', cloud: 'alicloud', code: 'Throttling.User', times: 2 })
  emu.injectFault({ action: 'DescribeRegions', cloud: 'alicloud', code: 'ServiceUnavailable', times: 1 })
  const signal = new AbortController().signal
  const r = await apiWith(emu.credentials.secretAccessKey).ecs('DescribeRegions', 'cn-hangzhou', (c) => c.describeRegions(new Ecs.DescribeRegionsRequest({})), {
    signal,
  })
  expect(r.body?.regions?.region?.map((x) => x.regionId)).toContain('cn-hangzhou')
  expect(emu.faultsFired()['DescribeRegions']).toBe(3)
})

it('fails a wrong secret at once with an error naming service, action, endpoint and code, and not the secret', async () => {
  const signal = new AbortController().signal
  const error = await apiWith('not-the-secret')
    .ecs('DescribeRegions', 'cn-hangzhou', (c) => c.describeRegions(new Ecs.DescribeRegionsRequest({})), { signal })
    .then(
      () => undefined,
      (e: Error) => e,
    )
  expect(error?.message).toMatch(/^Alibaba Cloud ECS DescribeRegions failed at http:\/\/127\.0\.0\.1:\d+: SignatureDoesNotMatch \(HTTP 400\)/)
  expect(error?.message).not.toContain('not-the-secret')
})

it('reads the account the keys reach from STS GetCallerIdentity, and falls back to a fingerprint of the key id (never the key) when STS refuses', async () => {
  const signal = new AbortController().signal
  const api = apiWith(emu.credentials.secretAccessKey)
  expect(await accountOf(api, 'cn-hangzhou', signal)).toBe(emu.accountId)
  emu.injectFault({ action: 'GetCallerIdentity', cloud: 'alicloud', code: 'Forbidden.RAM', times: 1 })
  const fallback = await accountOf(api, 'cn-hangzhou', signal)
  expect(fallback).toMatch(/^ak-[0-9a-f]{16}$/)
  expect(fallback).not.toContain(emu.credentials.accessKeyId)
})
