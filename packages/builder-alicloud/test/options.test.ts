import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alicloudEcsSchema, profileRegion, resolveCredentials } from '@tsimg/builder-alicloud'
import { parseEndpoint } from '@tsimg/builder-alicloud/api'
import { describe, expect, it } from 'vitest'

const base = { sourceImage: 'centos_7_06_64_20G_alibase_20190711.vhd', instanceType: 'ecs.n1.tiny', imageName: 'packer_test', sshUsername: 'root' }
const firstIssue = (input: unknown): { path: string; message: string } | undefined => {
  const r = alicloudEcsSchema.safeParse(input)
  return r.success ? undefined : { path: r.error.issues[0]!.path.join('.'), message: r.error.issues[0]!.message }
}

describe('alicloud-ecs options', () => {
  it('accepts seed 002 options in camelCase and fills Packer defaults', () => {
    const o = alicloudEcsSchema.parse({
      ...base,
      tags: { role: 'redis' },
      imageIgnoreDataDisks: true,
      sshPrivateIp: true,
      userDataFile: 'user-data.sh',
      imageForceDelete: true,
      waitSnapshotReadyTimeout: '2h',
      disableStopInstance: false,
    })
    expect(o.communicator).toBe('ssh')
    expect(o.vpcCidrBlock).toBe('172.16.0.0/16')
    expect(o.cidrBlock).toBe('172.16.0.0/24')
    expect(o.temporarySecurityGroupSourceCidrs).toEqual(['0.0.0.0/0'])
  })

  it("refuses communicator 'winrm' (seed 002's Windows template) with a message naming the field", () => {
    expect(firstIssue({ ...base, communicator: 'winrm' })).toEqual({ path: 'communicator', message: expect.stringContaining("'winrm' is not supported yet") })
  })

  it('refuses a Packer snake_case key, a malformed image name, two sources and mismatched copy names', () => {
    expect(firstIssue({ ...base, image_name: 'x' })?.message).toMatch(/image_name/)
    expect(firstIssue({ ...base, imageName: 'http://x' })?.path).toBe('imageName')
    expect(firstIssue({ ...base, imageName: '1starts-with-digit' })?.path).toBe('imageName')
    expect(firstIssue({ ...base, sourceImageFamily: 'acs:debian_12_x64' })?.path).toBe('sourceImage')
    expect(firstIssue({ ...base, imageCopyRegions: ['cn-beijing', 'cn-shanghai'], imageCopyNames: ['only-one'] })?.path).toBe('imageCopyNames')
    expect(firstIssue({ ...base, instanceType: 't3.micro' })?.path).toBe('instanceType')
  })

  it('skipImageValidation is refused with a family or a name pattern, which must be looked up, and accepted with a sourceImage id', () => {
    const { sourceImage: _, ...noId } = base
    expect(firstIssue({ ...noId, sourceImageFamily: 'acs:debian_12_x64', skipImageValidation: true })).toEqual({
      path: 'skipImageValidation',
      message: expect.stringContaining('needs sourceImage'),
    })
    expect(firstIssue({ ...noId, sourceImageName: 'debian_12*', skipImageValidation: true })?.path).toBe('skipImageValidation')
    expect(firstIssue({ ...base, skipImageValidation: true })).toBeUndefined()
  })
})

describe('credentials', () => {
  it('takes the options first, then ALICLOUD_* variables, then the CLI profile, and never reports the values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsimg-aliyun-'))
    try {
      const file = join(dir, 'config.json')
      await writeFile(
        file,
        JSON.stringify({
          current: 'work',
          profiles: [
            { name: 'work', mode: 'AK', access_key_id: 'LTAIprofile', access_key_secret: 'profile-secret', region_id: 'cn-shanghai' },
            { name: 'role', mode: 'RamRoleArn', access_key_id: 'LTAIrole', access_key_secret: 'role-secret' },
          ],
        }),
      )
      const env = { ALICLOUD_ACCESS_KEY: 'LTAIenv', ALICLOUD_SECRET_KEY: 'env-secret', ALICLOUD_SECURITY_TOKEN: 'env-token' }
      expect(await resolveCredentials({ accessKey: 'LTAIopt', secretKey: 'opt-secret', sharedCredentialsFile: file }, env)).toMatchObject({
        accessKey: 'LTAIopt',
        source: 'the accessKey/secretKey options',
      })
      expect(await resolveCredentials({ sharedCredentialsFile: file }, env)).toMatchObject({ accessKey: 'LTAIenv', securityToken: 'env-token' })
      const fromProfile = await resolveCredentials({ sharedCredentialsFile: file }, {})
      expect(fromProfile).toMatchObject({ accessKey: 'LTAIprofile', secretKey: 'profile-secret' })
      expect(fromProfile!.source).not.toContain('profile-secret')
      expect(await profileRegion({ sharedCredentialsFile: file }, {})).toBe('cn-shanghai')
      expect(await resolveCredentials({ sharedCredentialsFile: file, profile: 'role' }, {})).toBeUndefined()
      expect(await resolveCredentials({ sharedCredentialsFile: join(dir, 'missing.json') }, {})).toBeUndefined()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('reads a custom endpoint with or without scheme', () => {
    expect(parseEndpoint('http://127.0.0.1:4568')).toEqual({ host: '127.0.0.1:4568', protocol: 'http' })
    expect(parseEndpoint('ecs.example.internal')).toEqual({ host: 'ecs.example.internal', protocol: 'https' })
    expect(() => parseEndpoint('http://x/path')).toThrow(/not a host/)
  })
})
