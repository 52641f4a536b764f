// Options real templates use, read as Packer reads them: what each becomes, and what is refused
// where Packer would do something tsimg does not.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { TemplateError, prepareTemplate } from '@tsimg/core/node'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'tsimg-packer-features-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const run = promisify(execFile)
const hasPacker = await run('packer', ['version']).then(
  () => true,
  () => false,
)

function write(name: string, value: object): string {
  const file = join(dir, `${n++}-${name}`)
  writeFileSync(file, JSON.stringify(value, null, 2))
  return file
}

async function sourceOptions(file: string): Promise<Record<string, unknown>> {
  const t = await prepareTemplate({ templateFile: file, cwd: dir })
  return t.build.sources[0]!.options as Record<string, unknown>
}

async function problem(file: string): Promise<string> {
  const err = await prepareTemplate({ templateFile: file, cwd: dir }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TemplateError)
  return (err as TemplateError).message.replace(/\d+-/, '')
}

const ebs = {
  type: 'amazon-ebs',
  region: 'us-east-1',
  access_key: 'AKIAEXAMPLE',
  secret_key: 'not-a-secret',
  source_ami: 'ami-12345678',
  instance_type: 't3.micro',
  ssh_username: 'admin',
  ami_name: 'web-image',
}
const hw = {
  type: 'huaweicloud-ecs',
  region: 'cn-north-4',
  access_key: 'AK',
  secret_key: 'not-a-secret',
  project_id: '0123456789abcdef0123456789abcdef',
  source_image: 'img-1',
  flavor: 's6.small.1',
  ssh_username: 'root',
  image_name: 'web-image',
}

describe('amazon-ebs options real templates use', () => {
  const template = {
    builders: [
      {
        ...ebs,
        skip_region_validation: true,
        snapshot_users: ['123456789012'],
        snapshot_groups: ['all'],
        ami_product_codes: ['abc123'],
        skip_profile_validation: true,
        ami_virtualization_type: 'hvm',
      },
    ],
  }

  it('snapshot_users, snapshot_groups, ami_product_codes map to the builder; skip_profile_validation and ami_virtualization_type are accepted', async () => {
    const o = await sourceOptions(write('ebs.json', template))
    expect(o).toMatchObject({ snapshotUsers: ['123456789012'], snapshotGroups: ['all'], amiProductCodes: ['abc123'] })
    expect(Object.keys(o).some((k) => /profile|virtualization|skipRegion/i.test(k))).toBe(false)
  })

  it.skipIf(!hasPacker)('Packer 1.6.6 validates the same template', async () => {
    const r = await run('packer', ['validate', write('ebs.json', template)], { env: { ...process.env, CHECKPOINT_DISABLE: '1' } })
    expect(r.stdout).not.toMatch(/error/i)
  })

  it('imds_support "v2.0" maps; any other value names the field, the value and what is expected', async () => {
    expect((await sourceOptions(write('ebs.json', { builders: [{ ...ebs, imds_support: 'v2.0' }] }))).imdsSupport).toBe('v2.0')
    expect(await problem(write('ebs.json', { builders: [{ ...ebs, imds_support: 'v1' }] }))).toMatch(
      /builders\[0\] \(amazon-ebs\)\.imds_support: expected "v2\.0" \(or leave it out\), got "v1"$/,
    )
  })

  it('a snapshot user that is not an account id names the field and the value', async () => {
    expect(await problem(write('ebs.json', { builders: [{ ...ebs, snapshot_users: ['me'] }] }))).toMatch(
      /builders\[0\] \(amazon-ebs\)\.snapshot_users\[0\]: expected a 12-digit AWS account id, got "me"$/,
    )
  })
})

describe('huaweicloud-ecs options real templates use', () => {
  it('ssh_ip_version "4", associate_public_ip_address, kms_key_id and data disks made from a snapshot or a data image', async () => {
    const o = await sourceOptions(
      write('hw.json', {
        builders: [
          {
            ...hw,
            ssh_ip_version: '4',
            associate_public_ip_address: true,
            eip_type: '5_bgp',
            kms_key_id: 'key-1',
            image_type: 'system',
            data_disks: [
              { volume_type: 'SSD', volume_size: 20, snapshot_id: 'snap-1' },
              { volume_type: 'SAS', volume_size: 40, data_image_id: 'img-data', kms_key_id: 'key-2' },
            ],
          },
        ],
      }),
    )
    expect(o).toMatchObject({
      kmsKeyId: 'key-1',
      eipType: '5_bgp',
      dataDisks: [
        { volumeType: 'SSD', volumeSize: 20, snapshotId: 'snap-1' },
        { volumeType: 'SAS', volumeSize: 40, dataImageId: 'img-data', kmsKeyId: 'key-2' },
      ],
    })
    expect(Object.keys(o).filter((k) => k.startsWith('__'))).toEqual([])
  })

  it.each([
    [{ ssh_ip_version: '6' }, /ssh_ip_version "6" is not supported: tsimg connects over IPv4/],
    [{ ssh_ip_version: '5' }, /ssh_ip_version must be either 4 or 6, got "5"/],
    [{ associate_public_ip_address: false, eip_type: '5_bgp' }, /associate_public_ip_address = false denies an EIP, but eip_type asks for one/],
    [{ image_type: 'full-ecs' }, /image_type "full-ecs" is not supported yet: tsimg makes system-disk images/],
    [{ image_type: 'whole' }, /expected image_type to be one of system, data-disk, system-data, full-ecs, got "whole"/],
    [
      { data_disks: [{ volume_type: 'SSD', volume_size: 20 }] },
      /with data_disks and no image_type, Packer makes data-disk images, which tsimg does not: set image_type = "system"/,
    ],
    [
      { image_type: 'system', data_disks: [{ volume_type: 'SSD', volume_size: 20, volume_id: 'vol-1' }] },
      /data_disks\[0\]\.volume_id: is not supported by tsimg/,
    ],
  ])('%j is refused at the builder, saying why', async (extra, message) => {
    const text = await problem(write('hw.json', { builders: [{ ...hw, ...extra }] }))
    expect(text).toMatch(/hw\.json:\d+: builders\[0\] \(huaweicloud-ecs\)/)
    expect(text).toMatch(message)
  })
})

describe('alicloud-ecs tag blocks', () => {
  it('each HCL tag block adds one entry to tags', async () => {
    const file = join(dir, `${n++}-ali.pkr.hcl`)
    writeFileSync(
      file,
      `source "alicloud-ecs" "x" {
  region        = "cn-hangzhou"
  access_key    = "AK"
  secret_key    = "not-a-secret"
  source_image  = "debian_12"
  instance_type = "ecs.g7.large"
  ssh_username  = "root"
  image_name    = "web-image"
  tags          = { team = "images" }
  tag {
    key   = "app"
    value = "web"
  }
}
build {
  sources = ["source.alicloud-ecs.x"]
}
`,
    )
    expect((await sourceOptions(file)).tags).toEqual({ team: 'images', app: 'web' })
  })
})

describe("what the plugins' own examples write", () => {
  it("huaweicloud-ecs source_image_filter takes a filters block (name, owner, visibility, tag), as in the plugin's encryption example", async () => {
    const file = join(dir, `${n++}-hw.pkr.hcl`)
    writeFileSync(
      file,
      `source "huaweicloud-ecs" "x" {
  region       = "cn-north-4"
  access_key   = "AK"
  secret_key   = "not-a-secret"
  project_id   = "0123456789abcdef0123456789abcdef"
  flavor       = "s6.small.1"
  image_name   = "web-image"
  ssh_username = "root"
  source_image_filter {
    filters {
      name       = "Ubuntu 22.04 server 64bit"
      visibility = "public"
    }
    most_recent = true
  }
}
build {
  sources = ["source.huaweicloud-ecs.x"]
}
`,
    )
    expect((await sourceOptions(file)).sourceImageFilter).toEqual({ filters: { name: 'Ubuntu 22.04 server 64bit', visibility: 'public' }, mostRecent: true })
  })

  it('amazon-ebs credentials from variables that default to "" are left unset by the converted image.ts too, as Packer reads ""', async () => {
    const { convertTemplate } = await import('@tsimg/packer-template')
    const file = write('creds.json', {
      variables: { aws_access_key: '', aws_secret_key: '' },
      builders: [{ ...ebs, access_key: '{{user `aws_access_key`}}', secret_key: '{{user `aws_secret_key`}}' }],
    })
    const ts = await convertTemplate(file, 'creds.json', { cwd: dir })
    // packerJson.string reads a JSON variable's "" as unset.
    expect(ts).toContain('accessKey: packerJson.string(vars.aws_access_key)')
    expect(ts).toContain('secretKey: packerJson.string(vars.aws_secret_key)')
  })
})
