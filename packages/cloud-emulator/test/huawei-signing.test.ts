import { createHash, createHmac } from 'node:crypto'
import { request } from 'node:http'
import { startHuaweiEmulator, type HuaweiEmulator } from '@tsimg/cloud-emulator'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// Requests signed the way Huawei's Go SDK (huaweicloud-sdk-go-v3, which Packer's huaweicloud
// plugin and Terraform's provider use) signs them: SDK-HMAC-SHA256 over only the headers the
// signer sets itself (x-project-id, x-sdk-date), never `host`, content-type left out. A run of
// that SDK against the emulator (issue 18) found the gateway demanded `host` and
// that NovaShowKeypair's `id` was a string; these tests keep both findings. The signer here is
// written from Huawei's API signing guide, independently of the emulator's verifier.
const REGION = 'cn-north-4'
let emu: HuaweiEmulator

beforeAll(async () => {
  emu = await startHuaweiEmulator({ seed: 18 })
})
afterAll(async () => emu?.stop())

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')
const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

interface Answer {
  status: number
  body: any
  requestId?: string
}

/**
 * Sends one request signed over exactly `signed` (lowercase names, from `headers`), plus any
 * `unsigned` headers added after signing, as a proxy or the HTTP stack would.
 */
function send(
  method: string,
  path: string,
  opts: {
    body?: unknown
    headers?: Record<string, string>
    signed?: string[]
    unsigned?: Record<string, string>
    secret?: string
    query?: Record<string, string>
  } = {},
): Promise<Answer> {
  const date = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  const text = opts.body === undefined ? '' : JSON.stringify(opts.body)
  const headers: Record<string, string> = { 'X-Sdk-Date': date, 'X-Project-Id': emu.projectId(REGION), ...opts.headers }
  if (text) headers['Content-Type'] = 'application/json'
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  const signed = (opts.signed ?? Object.keys(lower).filter((k) => !k.startsWith('content-type'))).sort()
  const query = Object.entries(opts.query ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))
  const canonical = [
    method,
    `${path.split('/').map(enc).join('/')}/`,
    query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&'),
    signed.map((h) => `${h}:${(lower[h] ?? '').trim()}\n`).join(''),
    signed.join(';'),
    sha256(text),
  ].join('\n')
  const signature = createHmac('sha256', opts.secret ?? emu.credentials.secretAccessKey)
    .update(`SDK-HMAC-SHA256\n${date}\n${sha256(canonical)}`)
    .digest('hex')
  headers.Authorization = `SDK-HMAC-SHA256 Access=${emu.credentials.accessKeyId}, SignedHeaders=${signed.join(';')}, Signature=${signature}`
  Object.assign(headers, opts.unsigned)
  const url = new URL(emu.endpoint)
  const qs = query.length ? `?${query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}` : ''
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: path + qs, headers }, (res) => {
      let data = ''
      res.on('data', (d: Buffer) => (data += d.toString()))
      res.on('end', () =>
        resolve({ status: res.statusCode!, body: data ? JSON.parse(data) : undefined, requestId: res.headers['x-request-id'] as string | undefined }),
      )
    })
    req.on('error', reject)
    req.end(text)
  })
}

describe("huawei front end: requests signed as Huawei's Go SDK signs them (no host in SignedHeaders)", () => {
  it('answers Keystone, Nova, ECS and VPC calls signed over x-project-id and x-sdk-date only', async () => {
    const pid = emu.projectId(REGION)
    const projects = await send('GET', '/v3/projects', { headers: {}, query: { name: REGION } })
    expect(projects.status).toBe(200)
    expect(projects.body.projects.map((p: { id: string }) => p.id)).toEqual([pid])
    const zones = await send('GET', `/v2.1/${pid}/os-availability-zone`)
    expect([zones.status, zones.body.availabilityZoneInfo.length]).toEqual([200, 3])
    const flavors = await send('GET', `/v1/${pid}/cloudservers/flavors`, { query: { availability_zone: 'cn-north-4a' } })
    expect(flavors.status).toBe(200)
    const vpcs = await send('POST', `/v1/${pid}/vpcs`, { body: { vpc: { name: 'go-sdk-vpc', cidr: '10.0.0.0/16' } } })
    expect([vpcs.status, vpcs.body.vpc.name]).toEqual([200, 'go-sdk-vpc'])
    expect((await send('DELETE', `/v1/${pid}/vpcs/${vpcs.body.vpc.id}`)).status).toBe(204)
  })

  it('NovaShowKeypair answers the key pair id as an integer (int32 in the SDK model and in Nova), the same number on every show', async () => {
    const pid = emu.projectId(REGION)
    const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq3xWcBPVfQeF0Xj4mB6jWmJ7nqYpH5bJt1v8YyqYfB go'
    for (const name of ['go-key-1', 'go-key-2'])
      expect((await send('POST', `/v2.1/${pid}/os-keypairs`, { body: { keypair: { name, public_key: publicKey } } })).status).toBe(200)
    const first = await send('GET', `/v2.1/${pid}/os-keypairs/go-key-1`)
    const second = await send('GET', `/v2.1/${pid}/os-keypairs/go-key-2`)
    expect(first.status).toBe(200)
    expect(Number.isInteger(first.body.keypair.id)).toBe(true)
    expect(Number.isInteger(second.body.keypair.id)).toBe(true)
    expect(second.body.keypair.id).not.toBe(first.body.keypair.id)
    expect((await send('GET', `/v2.1/${pid}/os-keypairs/go-key-1`)).body.keypair.id).toBe(first.body.keypair.id)
    for (const name of ['go-key-1', 'go-key-2']) expect((await send('DELETE', `/v2.1/${pid}/os-keypairs/${name}`)).status).toBe(204)
  })

  it('ignores headers that are not signed (a changed user-agent or host passes) but refuses a changed signed header', async () => {
    const pid = emu.projectId(REGION)
    const ok = await send('GET', `/v1/${pid}/vpcs`, { unsigned: { 'User-Agent': 'changed-after-signing', Host: 'example.invalid' } })
    expect(ok.status).toBe(200)
    const tampered = await send('GET', `/v1/${pid}/vpcs`, { headers: { 'X-Tsimg-Note': 'a' }, unsigned: { 'X-Tsimg-Note': 'b' } })
    expect([tampered.status, tampered.body.error_code]).toEqual([401, 'APIGW.0301'])
    expect(tampered.body.error_msg).toContain('verify aksk signature fail')
  })

  it('verifies host too when the client lists it (the Node SDK does), and refuses a host other than the one signed', async () => {
    const pid = emu.projectId(REGION)
    const host = new URL(emu.endpoint).host
    const withHost = await send('GET', `/v1/${pid}/vpcs`, { headers: { Host: host } })
    expect(withHost.status).toBe(200)
    const wrongHost = await send('GET', `/v1/${pid}/vpcs`, { headers: { Host: 'signed.example' }, unsigned: { Host: host } })
    expect([wrongHost.status, wrongHost.body.error_code]).toEqual([401, 'APIGW.0301'])
  })

  it('still refuses a request that does not sign x-sdk-date, or signs with another secret', async () => {
    const pid = emu.projectId(REGION)
    const noDate = await send('GET', `/v1/${pid}/vpcs`, { signed: ['x-project-id'] })
    expect([noDate.status, noDate.body.error_code]).toEqual([401, 'APIGW.0301'])
    const wrong = await send('GET', `/v1/${pid}/vpcs`, { secret: 'not-the-secret' })
    expect([wrong.status, wrong.body.error_code]).toEqual([401, 'APIGW.0301'])
  })
})
