// cloudSource: the source factory the cloud builders share, checked directly and through each builder.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alicloudEcs } from '@tsimg/builder-alicloud'
import { amazonEbs } from '@tsimg/builder-aws'
import { huaweicloudEcs } from '@tsimg/builder-huawei'
import { cloudSource } from '@tsimg/cloud-kit/source'
import { TemplateError, type BaseState, type SourcePlugin, type StepsContext } from '@tsimg/core/plugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-cloud-source-'))
  await writeFile(join(dir, 'user-data.sh'), '#!/bin/sh\n')
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const ctx = () => ({ templateDir: dir, templateFile: 'image.ts', path: 'sources[1]' })
async function refusal(p: SourcePlugin<any, any>): Promise<TemplateError | undefined> {
  try {
    await p.validate?.(ctx())
  } catch (err) {
    if (err instanceof TemplateError) return err
    throw err
  }
  return undefined
}

const schema = z.strictObject({
  zone: z.string().min(1),
  size: z.number().default(20),
  userDataFile: z.string().optional(),
  token: z.string().optional(),
  sshPassword: z.string().optional(),
})
type Input = z.input<typeof schema>
type Options = z.output<typeof schema>
let stepsLoaded = 0
const source = (input: Input) =>
  cloudSource<Input, Options, BaseState>({
    type: 'x-cloud',
    schema,
    input,
    files: ['userDataFile'],
    check: (o, fail) => (o.zone === 'nowhere' ? fail('zone nowhere does not exist', 'zone') : undefined),
    secrets: (o) => [o.token],
    steps: async () => {
      stepsLoaded++
      return []
    },
  })

describe('cloudSource', () => {
  it('parses defaults once, names the build by its type, and loads its steps only when asked', async () => {
    const p = source({ zone: 'a' })
    expect([p.type, p.name, p.options]).toEqual(['x-cloud', 'x-cloud', { zone: 'a', size: 20 }])
    expect(await refusal(p)).toBeUndefined()
    expect(stepsLoaded).toBe(0)
    await p.steps({} as StepsContext)
    expect(stepsLoaded).toBe(1)
  })

  it('refuses a schema issue, the cloud check and an unreadable file, each naming the option', async () => {
    expect((await refusal(source({ zone: '' })))?.field).toBe('sources[1].zone')
    const check = await refusal(source({ zone: 'nowhere' }))
    expect([check?.field, check?.message]).toEqual(['sources[1].zone', 'image.ts: sources[1].zone: zone nowhere does not exist'])
    expect(await refusal(source({ zone: 'a', userDataFile: 'user-data.sh' }))).toBeUndefined()
    const file = await refusal(source({ zone: 'a', userDataFile: 'missing.sh' }))
    expect([file?.field, file?.message]).toEqual(['sources[1].userDataFile', `image.ts: sources[1].userDataFile: cannot read ${join(dir, 'missing.sh')}`])
  })

  it('lists the cloud secrets and the SSH ones, without empty values', () => {
    expect(source({ zone: 'a', token: 't0ken', sshPassword: 'pw' }).secrets?.()).toEqual(['t0ken', 'pw'])
    expect(source({ zone: 'a' }).secrets?.()).toEqual([])
  })
})

describe('the cloud builders on cloudSource refuse a missing region or key, naming the option (amazon-ebs: only a bad file; its region is read by the build)', () => {
  const noEnv = [
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'HW_REGION_NAME',
    'HW_ACCESS_KEY',
    'HW_SECRET_KEY',
    'ALICLOUD_REGION',
    'ALICLOUD_ACCESS_KEY',
    'ALICLOUD_SECRET_KEY',
  ]
  const saved = Object.fromEntries(noEnv.map((k) => [k, process.env[k]]))
  beforeAll(() => noEnv.forEach((k) => delete process.env[k]))
  afterAll(() => Object.entries(saved).forEach(([k, v]) => (v === undefined ? delete process.env[k] : (process.env[k] = v))))

  it('amazon-ebs', async () => {
    const p = amazonEbs({ sourceAmi: 'ami-12345678', instanceType: 't3.micro', sshUsername: 'admin', amiName: 'web' })
    // no region is no refusal at validate, as in Packer (the build stops on it: builder-aws options.test.ts)
    expect([p.type, p.name, (await refusal(p))?.field]).toEqual(['amazon-ebs', 'amazon-ebs', undefined])
    expect(
      (
        await refusal(
          amazonEbs({ region: 'us-east-1', sourceAmi: 'ami-12345678', instanceType: 't3.micro', sshUsername: 'admin', amiName: 'web', userDataFile: 'nope' }),
        )
      )?.field,
    ).toBe('sources[1].userDataFile')
  })

  it('huaweicloud-ecs', async () => {
    const base = { flavor: 's6.large.2', sourceImageName: 'Debian', eipType: '5_bgp', sshUsername: 'root', imageName: 'web' }
    expect((await refusal(huaweicloudEcs({ ...base, accessKey: 'ak', secretKey: 'sk' })))?.field).toBe('sources[1].region')
    expect((await refusal(huaweicloudEcs({ ...base, region: 'cn-north-4', accessKey: 'ak' })))?.field).toBe('sources[1].secretKey')
    expect(huaweicloudEcs({ ...base, region: 'cn-north-4', accessKey: 'ak', secretKey: 's3cret', sshPassword: 'pw' }).secrets?.()).toEqual(['s3cret', 'pw'])
  })

  it('alicloud-ecs', async () => {
    const base = { sourceImage: 'debian_12', instanceType: 'ecs.g7.large', sshUsername: 'root', imageName: 'web' }
    const home = process.env.HOME
    process.env.HOME = dir // no CLI profile to fall back on
    try {
      expect((await refusal(alicloudEcs({ ...base, region: 'cn-beijing' })))?.field).toBe('sources[1].accessKey')
      expect((await refusal(alicloudEcs({ ...base, accessKey: 'ak', secretKey: 'sk' })))?.field).toBe('sources[1].region')
    } finally {
      process.env.HOME = home
    }
  })
})
