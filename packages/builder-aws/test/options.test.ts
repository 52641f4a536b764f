import { describe, expect, it } from 'vitest'
import { amazonEbs, amazonEbsSchema } from '@tsimg/builder-aws'

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
