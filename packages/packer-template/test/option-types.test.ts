// Packer's loose option typing (JSON: mapstructure's weak decoding; HCL2: cty's conversions), and
// errors about option values told in the template's words, for every builder.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { TemplateError, prepareTemplate } from '@tsimg/core/node'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'tsimg-packer-types-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

const hasPacker = await promisify(execFile)('packer', ['version']).then(
  () => true,
  () => false,
)

/** `packer validate` (1.6.6) of the same file: its exit code and what it printed. */
async function packerValidate(file: string): Promise<{ code: number; output: string }> {
  return promisify(execFile)('packer', ['validate', file], { cwd: dir, env: { ...process.env, CHECKPOINT_DISABLE: '1' } }).then(
    (r) => ({ code: 0, output: r.stdout + r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
  )
}

function write(name: string, text: string): string {
  const file = join(dir, `${n++}-${name}`)
  writeFileSync(file, text)
  return file
}

/** The template's plugins' options after mapping, as the engine gets them. */
async function mapped(file: string) {
  const t = await prepareTemplate({ templateFile: file, cwd: dir })
  return {
    source: t.build.sources[0]!.options as Record<string, unknown>,
    provisioner: t.build.provisioners[0]?.options as Record<string, unknown> | undefined,
  }
}

/** validate's error message, with its hint. */
async function problem(file: string): Promise<string> {
  const err = await prepareTemplate({ templateFile: file, cwd: dir }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TemplateError)
  const e = err as TemplateError
  return `${e.message}${e.hint ? ` | ${e.hint}` : ''}`.replace(/\d+-/, '')
}

/** zod's own wording, which must never reach a template's author. */
const LIBRARY_TEXT = /Too small|Too big|Invalid input|Invalid option|Invalid string|received|Unrecognized key|>=|<=/

describe("Packer JSON options are decoded as Packer's mapstructure decodes them (WeaklyTypedInput)", () => {
  const template = {
    builders: [
      {
        type: 'docker',
        image: 'tsimg/debian-ssh:bookworm',
        commit: '1',
        pull: '',
        privileged: 0,
        changes: 'ENV A=1,ENV B=2',
        cap_add: 'SYS_ADMIN',
        message: '',
        author: 7,
      },
    ],
    provisioners: [{ type: 'shell', inline: 'echo a,echo b', valid_exit_codes: '0,2', expect_disconnect: '', remote_file: 5, remote_folder: '' }],
  }

  it('"1" and 0 are bools, "" is false, "a,b" is a list, one value is a list of it, "" is unset, a number is a string', async () => {
    const { source, provisioner } = await mapped(write('loose.json', JSON.stringify(template, null, 2)))
    expect(source).toMatchObject({ commit: true, pull: false, privileged: false, changes: ['ENV A=1', 'ENV B=2'], capAdd: ['SYS_ADMIN'], author: '7' })
    expect(source).not.toHaveProperty('message')
    expect(provisioner).toMatchObject({ inline: ['echo a', 'echo b'], validExitCodes: [0, 2], expectDisconnect: false, remoteFile: '5' })
    expect(provisioner).not.toHaveProperty('remoteFolder')
  })

  it.skipIf(!hasPacker)('Packer 1.6.6 accepts the same template', async () => {
    const r = await packerValidate(write('loose.json', JSON.stringify(template, null, 2)))
    expect(r.output).not.toMatch(/error/i)
    expect(r.code).toBe(0)
  })

  it('what Packer cannot decode is an error at its line with the Packer field and the value, as Packer refuses it', async () => {
    const bad = { builders: [{ ...template.builders[0], commit: 'yes' }] }
    const file = write('bad-bool.json', JSON.stringify(bad, null, 2))
    expect(await problem(file)).toMatch(/bad-bool\.json:6: builders\[0\] \(docker\)\.commit: expected a bool \(true or false\), got "yes"$/)
    const ints = { ...template, provisioners: [{ type: 'shell', inline: ['true'], valid_exit_codes: '0,x' }] }
    const file2 = write('bad-int.json', JSON.stringify(ints, null, 2))
    expect(await problem(file2)).toMatch(/bad-int\.json:\d+: provisioners\[0\] \(shell\)\.valid_exit_codes\[1\]: expected a whole number, got "x"$/)
    if (!hasPacker) return
    expect((await packerValidate(file)).output).toContain("cannot parse 'commit' as bool")
    expect((await packerValidate(file2)).output).toContain("cannot parse 'valid_exit_codes[1]' as int")
  })
})

describe('HCL2 options are converted as cty converts them: stricter than JSON', () => {
  const hcl = (attr: string) => `source "docker" "x" {
  image  = "tsimg/debian-ssh:bookworm"
  commit = "true"
  ${attr}
}
build {
  sources = ["source.docker.x"]
}
`

  it('"1" is true and a number string is a number, as in cty', async () => {
    const { source } = await mapped(write('ok.pkr.hcl', hcl('privileged = "1"')))
    expect(source).toMatchObject({ commit: true, privileged: true })
  })

  it.each([
    ['privileged = ""', /\.privileged: expected a bool \(true or false\), got ""$/, 'a bool is required'],
    [
      'changes = "ENV A=1,ENV B=2"',
      /\.changes: expected a list of strings, got "ENV A=1,ENV B=2" \(HCL2 needs a list: \["a", "b"\]\)$/,
      'list of string required',
    ],
    ['ssh_port = ""', /\.ssh_port: expected a whole number, got ""$/, 'a number is required'],
  ])('%s is an error at its line, as Packer 1.6.6 refuses it', async (attr, message, packerSays) => {
    const file = write('strict.pkr.hcl', hcl(attr))
    const text = await problem(file)
    expect(text).toMatch(/strict\.pkr\.hcl:4: source "docker" "x"/)
    expect(text).toMatch(message)
    if (!hasPacker) return
    const r = await packerValidate(file)
    expect(r.code).not.toBe(0)
    expect(r.output).toContain(packerSays)
  })
})

describe("errors about option values name the file, line, Packer field, the value given and what was expected, in the template's words", () => {
  const ebs = { type: 'amazon-ebs', region: 'us-east-1', source_ami: 'ami-12345678', instance_type: 't3.micro', ssh_username: 'admin', ami_name: 'web-image' }
  const ali = {
    type: 'alicloud-ecs',
    region: 'cn-hangzhou',
    source_image: 'debian_12',
    instance_type: 'ecs.g7.large',
    ssh_username: 'root',
    image_name: 'web-image',
  }
  const hw = { type: 'huaweicloud-ecs', region: 'cn-north-4', source_image: 'img-1', flavor: 's6.small.1', ssh_username: 'root', image_name: 'web-image' }
  const dock = { type: 'docker', image: 'tsimg/debian-ssh:bookworm', commit: true }
  const cases: [string, object, RegExp][] = [
    ['amazon-ebs: a name too short', { ...ebs, ami_name: 'ab' }, /:\d+: builders\[0\] \(amazon-ebs\)\.ami_name: must have at least 3 characters, got "ab"$/],
    [
      'amazon-ebs: a value not among the allowed ones',
      { ...ebs, shutdown_behavior: 'halt' },
      /\.shutdown_behavior: expected one of "stop", "terminate", got "halt"$/,
    ],
    [
      'amazon-ebs: a nested block field',
      { ...ebs, launch_block_device_mappings: [{ device_name: '/dev/xvda', volume_type: 'gp9' }] },
      /\.launch_block_device_mappings\[0\]\.volume_type: expected one of "standard", .*"st1", got "gp9"$/,
    ],
    ['amazon-ebs: a required option left out', { ...ebs, instance_type: '' }, /:\d+: builders\[0\] \(amazon-ebs\)\.instance_type: is required$/],
    [
      'amazon-ebs: a bad endpoint',
      { ...ebs, custom_endpoint_ec2: 'not a url' },
      /\.custom_endpoint_ec2: expected a URL such as https:\/\/host:port, got "not a url"$/,
    ],
    [
      'alicloud-ecs: a disk category',
      { ...ali, system_disk_mapping: { disk_category: 'fast' } },
      /\.system_disk_mapping\.disk_category: expected one of "cloud", .*, got "fast"$/,
    ],
    [
      'alicloud-ecs: a charge type',
      { ...ali, internet_charge_type: 'free' },
      /\.internet_charge_type: expected one of "PayByTraffic", "PayByBandwidth", got "free"$/,
    ],
    [
      'huaweicloud-ecs: a disk too small',
      { ...hw, image_type: 'system', data_disks: [{ volume_type: 'SSD', volume_size: 5 }] },
      /\.data_disks\[0\]\.volume_size: must be at least 10, got 5$/,
    ],
    ['docker: a change Packer does not allow', { ...dock, changes: ['FROM x'] }, /\.changes\[0\]: must start with one of CMD/],
  ]

  it.each(cases)('%s', async (_, builder, message) => {
    const text = await problem(write('t.json', JSON.stringify({ builders: [builder] }, null, 2)))
    expect(text).toMatch(message)
    expect(text).not.toMatch(LIBRARY_TEXT)
  })

  it('a secret-looking option is never quoted', async () => {
    const text = await problem(write('t.json', JSON.stringify({ builders: [{ ...ebs, secret_key: ['hunter2-secret'] }] }, null, 2)))
    expect(text).toMatch(/\.secret_key: expected a string, got <sensitive>$/)
    expect(text).not.toContain('hunter2')
  })
})
