import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { amazonEbs, amazonEbsSchema } from '@tsimg/builder-aws'
import { validate } from '@tsimg/core/node'
import { buildRegion } from '../src/steps.js'

const base = { region: 'us-east-1', sourceAmi: 'ami-12345678', instanceType: 't3.micro', amiName: 'web-1' }
const problems = (o: Record<string, unknown>) => {
  const r = amazonEbsSchema.safeParse(o)
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

describe('amazon-ebs options', () => {
  it('applies Packer-like defaults, IMDSv2 required', () => {
    const o = amazonEbs(base).options
    expect(o.temporarySecurityGroupSourceCidrs).toEqual(['0.0.0.0/0'])
    expect(o.metadataOptions.httpTokens).toBe('required')
    expect(o.temporaryKeyPairType).toBe('ed25519')
    expect(o.shutdownBehavior).toBe('stop')
    expect(o.skipCreateAmi).toBe(false)
  })

  it('rejects unknown options and names the field', () => {
    expect(problems({ ...base, ami_name: 'x' }).join()).toMatch(/ami_name/)
  })

  it('needs exactly one source AMI choice', () => {
    expect(problems({ ...base, sourceAmi: undefined }).join()).toMatch(/sourceAmi: set exactly one/)
    expect(problems({ ...base, sourceAmiFilter: { filters: { name: 'x' } } }).join()).toMatch(/set exactly one/)
  })

  it('rejects contradictory combinations before anything is created', () => {
    expect(problems({ ...base, sshKeypairName: 'mine' }).join()).toMatch(/sshPrivateKeyFile/)
    expect(problems({ ...base, userData: 'x', userDataFile: 'y' }).join()).toMatch(/userDataFile/)
    expect(problems({ ...base, kmsKeyId: 'k' }).join()).toMatch(/encryptBoot/)
    expect(problems({ ...base, sshInterface: 'ipv6' }).join()).toMatch(/sshInterface/)
    expect(problems({ ...base, temporarySecurityGroupSourceCidrs: ['10.0.0.1'] }).join()).toMatch(/CIDR/)
  })

  it('names the secret key and the session token (not the access key id) as secrets for the build to redact', () => {
    // That the journal and the output never hold them is checked on a real build in build.test.ts.
    const src = amazonEbs({ ...base, accessKey: 'AKIAEXAMPLE', secretKey: 'very-secret-key', sessionToken: 'session-token-xyz' })
    expect(src.secrets?.()).toEqual(['very-secret-key', 'session-token-xyz'])
  })
})

describe('amazon-ebs region', () => {
  const saved = { ...process.env }
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsimg-aws-region-'))
    for (const k of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']) delete process.env[k]
    // no config of this machine: an empty shared config and credentials file
    process.env.AWS_CONFIG_FILE = join(dir, 'none')
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'none-credentials')
  })
  afterEach(async () => {
    process.env = { ...saved }
    await rm(dir, { recursive: true, force: true })
  })
  const noRegion = { sourceAmi: 'ami-12345678', instanceType: 't3.micro', amiName: 'web-1' }

  it('validate needs none, as Packer checks the region only when the build runs (hashicorp/packer#7032)', async () => {
    const info = await validate({ template: { sources: [amazonEbs({ ...noRegion, name: 'web' })] }, cwd: dir })
    expect(info.sources.map((s) => s.name)).toEqual(['amazon-ebs.web'])
  })

  it("the build takes the option, then AWS_REGION, then the shared config (the profile's); without one it stops before anything is made", async () => {
    expect(await buildRegion(amazonEbs({ ...noRegion, region: 'eu-north-1' }).options)).toBe('eu-north-1')
    process.env.AWS_REGION = 'sa-east-1'
    expect(await buildRegion(amazonEbs(noRegion).options)).toBe('sa-east-1')
    delete process.env.AWS_REGION
    await writeFile(join(dir, 'config'), '[default]\nregion = eu-west-3\n[profile other]\nregion = ap-south-1\n')
    process.env.AWS_CONFIG_FILE = join(dir, 'config')
    expect(await buildRegion(amazonEbs(noRegion).options)).toBe('eu-west-3')
    expect(await buildRegion(amazonEbs({ ...noRegion, profile: 'other' }).options)).toBe('ap-south-1')
    process.env.AWS_CONFIG_FILE = join(dir, 'still-none')
    await expect(buildRegion(amazonEbs(noRegion).options)).rejects.toThrow(
      /no region: set region, AWS_REGION \/ AWS_DEFAULT_REGION, or a region in the shared config/,
    )
  })
})
