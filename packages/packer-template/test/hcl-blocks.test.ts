// HCL2 provisioner `override`, `dynamic` blocks and `hcp_packer_registry`, read as Packer reads them.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, prepareTemplate, validate } from '@tsimg/core/node'
import { convertTemplate, readPackerTemplate } from '@tsimg/packer-template'
import { afterAll, describe, expect, it } from 'vitest'
import { loadHclTemplate } from '../src/hcl/load-hcl.js'
import { mapOptions } from '../src/map-options.js'
import { field, sameNames } from '../src/plugins/table.js'

const dir = mkdtempSync(join(tmpdir(), 'tsimg-hcl-blocks-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The template as a build would get it: variables resolved, every plugin made with its options. */
async function prepared(name: string, text: string, vars: Record<string, string> = {}) {
  writeFileSync(join(dir, name), text)
  return (await prepareTemplate({ templateFile: join(dir, name), vars, cwd: dir }, 'inspect')).build
}

async function problem(name: string, text: string): Promise<string> {
  writeFileSync(join(dir, name), text)
  return validate({ templateFile: join(dir, name), cwd: dir }).then(
    () => 'valid',
    (e: Error) => e.message,
  )
}

const docker = (name: string) => `source "docker" "${name}" {
  image  = "tsimg/debian-ssh:bookworm"
  commit = true
}
`

const ebs = (body: string) => `variable "sizes" {
  type    = list(string)
  default = ["10", "20"]
}
variable "vtype" {
  default = "gp3"
}
source "amazon-ebs" "web" {
  region        = "us-east-1"
  source_ami    = "ami-12345678"
  instance_type = "t3.micro"
  ssh_username  = "admin"
  ami_name      = "web"
${body}
}
build {
  sources = ["source.amazon-ebs.web"]
}
`

describe('HCL2 provisioner override', () => {
  it('each source gets its own options: the override for a source name replaces what it sets, with var. and local. in its values', async () => {
    const b = await prepared(
      'override.pkr.hcl',
      `${docker('a')}${docker('b')}
variable "who" {
  default = "bee"
}
locals {
  suffix = "!"
}
build {
  sources = ["source.docker.a", "source.docker.b"]
  provisioner "shell" {
    inline       = ["echo default"]
    pause_before = "1s"
    override = {
      b = { inline = ["echo for \${var.who}\${local.suffix}"] }
    }
  }
  provisioner "shell" {
    inline = ["echo after"]
  }
}
`,
    )
    const shells = b.provisioners.map((p) => p.options as { inline: string[]; only?: string[]; pauseBefore?: string })
    expect(shells.map((o) => [o.inline, o.only, o.pauseBefore])).toEqual([
      [['echo default'], ['docker.a'], '1s'],
      [['echo for bee!'], ['docker.b'], '1s'],
      [['echo after'], undefined, undefined],
    ])
  })

  it('override keys are source names as Packer looks them up: "docker.b" names no source, changes nothing, and a note says so', async () => {
    const text = `${docker('a')}${docker('b')}
build {
  sources = ["source.docker.a", "source.docker.b"]
  provisioner "shell" {
    inline = ["echo default"]
    override = {
      "docker.b" = { inline = ["echo never"] }
    }
  }
}
`
    writeFileSync(join(dir, 'stray.pkr.hcl'), text)
    const t = await readPackerTemplate(join(dir, 'stray.pkr.hcl'), 'stray.pkr.hcl', { cwd: dir })
    expect(t.notes).toContainEqual(
      expect.stringMatching(/^stray\.pkr\.hcl:15: provisioner "shell": override "docker\.b" names no source of this build, so it changes nothing .*"a"/),
    )
    const b = await prepared('stray.pkr.hcl', text)
    expect(b.provisioners.map((p) => [(p.options as { inline: string[] }).inline, p.options.only])).toEqual([[['echo default'], undefined]])
  })

  it('an override option the provisioner does not have is an unknown option at its line; post-processors have no override', async () => {
    const bad = await problem(
      'bad-override.pkr.hcl',
      `${docker('a')}
build {
  sources = ["source.docker.a"]
  provisioner "shell" {
    inline = ["true"]
    override = {
      a = {
        inline  = ["true"]
        nothing = 1
      }
    }
  }
}
`,
    )
    expect(bad).toMatch(/bad-override\.pkr\.hcl:13: provisioner "shell" override "a"\.nothing: unknown option/)
    const pp = await problem(
      'pp-override.pkr.hcl',
      `${docker('a')}
build {
  sources = ["source.docker.a"]
  post-processor "manifest" {
    override = { a = { output = "x.json" } }
  }
}
`,
    )
    expect(pp).toMatch(/pp-override\.pkr\.hcl:9: post-processor "manifest"\.override: override is an argument of provisioner blocks only/)
  })
})

describe("override and dynamic in HCL's JSON syntax (*.pkr.json)", () => {
  const json = (provisioner: object) =>
    JSON.stringify(
      {
        source: { docker: { a: { image: 'tsimg/debian-ssh:bookworm', commit: true }, b: { image: 'tsimg/debian-ssh:bookworm', commit: true } } },
        build: { sources: ['source.docker.a', 'source.docker.b'], provisioner: [{ shell: provisioner }] },
      },
      null,
      2,
    )

  it('override works there too; an override written as an expression is an error at its line', async () => {
    const b = await prepared('over.pkr.json', json({ inline: ['echo default'], override: { a: { inline: ['echo a'] } } }))
    expect(b.provisioners.map((p) => [(p.options as { inline: string[] }).inline, p.options.only])).toEqual([
      [['echo default'], ['docker.b']],
      [['echo a'], ['docker.a']],
    ])
    const msg = await problem(
      'over-expr.pkr.hcl',
      `${docker('a')}
locals {
  o = { a = { inline = ["x"] } }
}
build {
  sources = ["source.docker.a"]
  provisioner "shell" {
    inline   = ["true"]
    override = local.o
  }
}
`,
    )
    expect(msg).toMatch(/over-expr\.pkr\.hcl:13: provisioner "shell"\.override: must be written as an object of source names/)
  })

  it('a "dynamic" key is an error naming the JSON line, not a silently ignored option', async () => {
    const msg = await problem(
      'dyn.pkr.json',
      JSON.stringify(
        {
          source: {
            'amazon-ebs': { web: { region: 'us-east-1', dynamic: { launch_block_device_mappings: { for_each: [1], content: { device_name: '/dev/sdb' } } } } },
          },
          build: { sources: ['source.amazon-ebs.web'] },
        },
        null,
        2,
      ),
    )
    expect(msg).toMatch(
      /dyn\.pkr\.json:\d+: source "amazon-ebs" "web"\.dynamic: dynamic blocks in HCL's JSON syntax \(\*\.pkr\.json\) are not supported by tsimg/,
    )
  })
})

describe('HCL2 dynamic blocks', () => {
  it('a dynamic block over a list variable makes one launch_block_device_mappings block each, in place among the static ones', async () => {
    const b = await prepared(
      'dyn-list.pkr.hcl',
      ebs(`
  launch_block_device_mappings {
    device_name = "/dev/xvda"
    volume_size = 8
  }
  dynamic "launch_block_device_mappings" {
    for_each = var.sizes
    content {
      device_name = "/dev/sd\${launch_block_device_mappings.key}"
      volume_size = launch_block_device_mappings.value
    }
  }
  launch_block_device_mappings {
    device_name = "/dev/sdz"
    volume_size = 1
  }`),
      { sizes: '["30", "40", "50"]' },
    )
    expect(b.sources[0]!.options.launchBlockDeviceMappings).toEqual([
      { deviceName: '/dev/xvda', volumeSize: 8 },
      { deviceName: '/dev/sd0', volumeSize: 30 },
      { deviceName: '/dev/sd1', volumeSize: 40 },
      { deviceName: '/dev/sd2', volumeSize: 50 },
      { deviceName: '/dev/sdz', volumeSize: 1 },
    ])
  })

  it("a dynamic block over a map, with its own iterator name, gets the map's keys and values in key order, as HCL iterates a map", async () => {
    const b = await prepared(
      'dyn-map.pkr.hcl',
      ebs(`
  dynamic "ami_block_device_mappings" {
    for_each = { "/dev/sdc" = "io2", "/dev/sdb" = "gp3" }
    iterator = disk
    content {
      device_name = disk.key
      volume_type = disk.value
      volume_size = 10
    }
  }`),
    )
    expect(b.sources[0]!.options.amiBlockDeviceMappings).toEqual([
      { deviceName: '/dev/sdb', volumeType: 'gp3', volumeSize: 10 },
      { deviceName: '/dev/sdc', volumeType: 'io2', volumeSize: 10 },
    ])
  })

  it('dynamic "tag" blocks (amazon-ebs\'s HCL tag { key, value }) add to the tags map, over its own entries', async () => {
    const b = await prepared(
      'dyn-tag.pkr.hcl',
      `locals {
  tags = { team = "web", env = "prod" }
}
${ebs(`
  tags = { env = "dev", keep = "yes" }
  dynamic "tag" {
    for_each = local.tags
    content {
      key   = tag.key
      value = tag.value
    }
  }
  run_tag {
    key   = "purpose"
    value = "build"
  }`)}`,
    )
    expect(b.sources[0]!.options.tags).toEqual({ env: 'prod', keep: 'yes', team: 'web' })
    expect(b.sources[0]!.options.runTags).toEqual({ purpose: 'build' })
    expect(b.sources[0]!.options).not.toHaveProperty('__tag')
  })

  it('a dynamic block over an empty list makes no block; an object for_each iterates its attributes', async () => {
    const b = await prepared(
      'dyn-empty.pkr.hcl',
      ebs(`
  dynamic "launch_block_device_mappings" {
    for_each = []
    content {
      device_name = "/dev/never"
    }
  }
  dynamic "ami_block_device_mappings" {
    for_each = { b = 5 }
    content {
      device_name = "/dev/sd\${ami_block_device_mappings.key}"
      volume_size = ami_block_device_mappings.value * 2
    }
  }`),
    )
    expect(b.sources[0]!.options.launchBlockDeviceMappings ?? []).toEqual([])
    expect(b.sources[0]!.options.amiBlockDeviceMappings).toEqual([{ deviceName: '/dev/sdb', volumeSize: 10 }])
  })

  it("a dynamic of a name that is not a block of the builder is an unknown option at the dynamic block's line, even with nothing to iterate", async () => {
    const msg = await problem(
      'dyn-unknown.pkr.hcl',
      ebs(`
  dynamic "launch_block_device_mapping" {
    for_each = []
    content {
      device_name = "/dev/sdb"
    }
  }`),
    )
    expect(msg).toMatch(/dyn-unknown\.pkr\.hcl:15: source "amazon-ebs" "web"\.launch_block_device_mapping: unknown option/)
    const noContent = await problem(
      'dyn-nocontent.pkr.hcl',
      ebs(`
  dynamic "launch_block_device_mappings" {
    for_each = [1]
  }`),
    )
    expect(noContent).toMatch(/dyn-nocontent\.pkr\.hcl:15: .*launch_block_device_mappings \(dynamic\): has no content block/)
    const scalar = await problem(
      'dyn-scalar.pkr.hcl',
      ebs(`
  dynamic "launch_block_device_mappings" {
    for_each = 3
    content {
      device_name = "/dev/sdb"
    }
  }`),
    )
    expect(scalar).toMatch(/dyn-scalar\.pkr\.hcl:16: .*for_each: must be a list, set, map or object, got number 3/)
    const labels = await problem(
      'dyn-labels.pkr.hcl',
      ebs(`
  dynamic "launch_block_device_mappings" {
    for_each = [1]
    labels   = ["x"]
    content {
      device_name = "/dev/sdb"
    }
  }`),
    )
    expect(labels).toMatch(
      /dyn-labels\.pkr\.hcl:15: source "amazon-ebs" "web"\.launch_block_device_mappings: a launch_block_device_mappings block takes no labels/,
    )
  })

  it('alicloud-ecs image_disk_mappings blocks come from a dynamic block too', async () => {
    const ali = await prepared(
      'dyn-ali.pkr.hcl',
      `source "alicloud-ecs" "a" {
  access_key    = "LTAI-test"
  secret_key    = "secret"
  region        = "cn-hangzhou"
  instance_type = "ecs.g7.large"
  source_image  = "debian_12"
  image_name    = "web"
  ssh_username  = "root"
  dynamic "image_disk_mappings" {
    for_each = [40, 60]
    content {
      disk_size = image_disk_mappings.value
    }
  }
}
build {
  sources = ["source.alicloud-ecs.a"]
}
`,
    )
    expect(ali.sources[0]!.options.imageDiskMappings).toEqual([{ diskSize: 40 }, { diskSize: 60 }])
  })

  it('huaweicloud-ecs data_disks blocks come from a dynamic block over a list of objects', async () => {
    const hw = await prepared(
      'dyn-hw.pkr.hcl',
      `locals {
  disks = [{ type = "SSD", size = 100 }, { type = "SAS", size = 50 }]
}
source "huaweicloud-ecs" "h" {
  region          = "cn-north-4"
  access_key      = "HW-test"
  secret_key      = "secret"
  vpc_id          = "vpc-1"
  subnets         = ["subnet-1"]
  security_groups = ["sg-1"]
  source_image    = "img-1"
  flavor          = "s6.large.2"
  image_name      = "web"
  ssh_username    = "root"
  image_type      = "system"
  dynamic "data_disks" {
    for_each = local.disks
    iterator = d
    content {
      volume_type = d.value.type
      volume_size = d.value.size
    }
  }
}
build {
  sources = ["source.huaweicloud-ecs.h"]
}
`,
    )
    expect(hw.sources[0]!.options.dataDisks).toEqual([
      { volumeType: 'SSD', volumeSize: 100 },
      { volumeType: 'SAS', volumeSize: 50 },
    ])
  })

  it('nested dynamic blocks: the inner content sees both iterators', async () => {
    // No builder tsimg has nests blocks in blocks, so this reads a body through a table that does.
    writeFileSync(
      join(dir, 'nested.pkr.hcl'),
      `${docker('a')}
build {
  sources = ["source.docker.a"]
  provisioner "shell" {
    dynamic "group" {
      for_each = { x = [1, 2], y = [3] }
      content {
        name = group.key
        dynamic "item" {
          for_each = group.value
          iterator = it
          content {
            label = "\${group.key}-\${it.key}"
            size  = it.value
          }
        }
      }
    }
  }
}
`,
    )
    const t = await loadHclTemplate([{ path: join(dir, 'nested.pkr.hcl'), file: 'nested.pkr.hcl' }], dir)
    const session = t.evaluator.begin({ mode: 'run', vars: {}, timestamp: 0, cwd: dir, env: {} })
    const table = {
      group: field('groups', { list: { ...sameNames({ name: 'string' }), item: field('items', { list: sameNames({ label: 'string', size: 'int' }) }) } }),
    }
    const p = t.provisioners[0]!
    expect(mapOptions({ body: p.body, table, file: p.file, origin: p.origin, session })).toEqual({
      groups: [
        {
          name: 'x',
          items: [
            { label: 'x-0', size: 1 },
            { label: 'x-1', size: 2 },
          ],
        },
        { name: 'y', items: [{ label: 'y-0', size: 3 }] },
      ],
    })
  })
})

describe('tsimg convert of override and dynamic blocks', () => {
  it('writes an overridden provisioner as one provisioner per set of sources, each with its only', async () => {
    writeFileSync(
      join(dir, 'conv-over.pkr.hcl'),
      `${docker('a')}${docker('b')}
variable "who" {
  default = "bee"
}
build {
  sources = ["source.docker.a", "source.docker.b"]
  provisioner "shell" {
    inline = ["echo default"]
    override = {
      b = { inline = ["echo \${var.who}"] }
    }
  }
}
`,
    )
    const ts = await convertTemplate(join(dir, 'conv-over.pkr.hcl'), 'conv-over.pkr.hcl', { cwd: dir })
    expect(ts).toContain("shell({ inline: ['echo default'], only: ['docker.a'] })")
    expect(ts).toContain("shell({ inline: [`echo ${vars.who}`], only: ['docker.b'] })")
  })

  it('writes the expanded blocks when for_each is known, and the image.ts validates', async () => {
    writeFileSync(
      join(dir, 'conv.pkr.hcl'),
      ebs(`
  dynamic "launch_block_device_mappings" {
    for_each = ["b", "c"]
    content {
      device_name = "/dev/sd\${launch_block_device_mappings.value}"
      kms_key_id = var.vtype
    }
  }`),
    )
    const ts = await convertTemplate(join(dir, 'conv.pkr.hcl'), 'conv.pkr.hcl', { cwd: dir })
    expect(ts).toContain("launchBlockDeviceMappings: [{ deviceName: '/dev/sdb', kmsKeyId: vars.vtype }, { deviceName: '/dev/sdc', kmsKeyId: vars.vtype }]")
    writeFileSync(join(dir, 'conv-image.ts'), ts)
    const info = await validate({ templateFile: join(dir, 'conv-image.ts'), cwd: dir })
    expect(info.sources.map((s) => s.type)).toEqual(['amazon-ebs'])
  })

  it('stops at the for_each line when it depends on a variable', async () => {
    writeFileSync(
      join(dir, 'conv-var.pkr.hcl'),
      ebs(`
  dynamic "launch_block_device_mappings" {
    for_each = var.sizes
    content {
      device_name = "/dev/sdb"
    }
  }`),
    )
    const err = await convertTemplate(join(dir, 'conv-var.pkr.hcl'), 'conv-var.pkr.hcl', { cwd: dir }).catch((e: Error) => e.message)
    expect(err).toMatch(
      /conv-var\.pkr\.hcl:16: .*launch_block_device_mappings \(dynamic\)\.for_each: depends on a variable, so tsimg convert cannot write the blocks it makes/,
    )
    // A for expression over the variable would otherwise iterate the placeholder's characters.
    writeFileSync(
      join(dir, 'conv-for.pkr.hcl'),
      ebs(`
  dynamic "launch_block_device_mappings" {
    for_each = [for s in var.sizes : s]
    content {
      device_name = "/dev/sdb"
    }
  }`),
    )
    const forErr = await convertTemplate(join(dir, 'conv-for.pkr.hcl'), 'conv-for.pkr.hcl', { cwd: dir }).catch((e: Error) => e.message)
    expect(forErr).toMatch(/conv-for\.pkr\.hcl:16: .*a for expression over a variable cannot be converted/)
  })
})

describe('hcp_packer_registry', () => {
  it('is an error at its line that says what it is and what to do instead', async () => {
    const msg = await problem(
      'hcp.pkr.hcl',
      `${docker('a')}
build {
  hcp_packer_registry {
    bucket_name = "web"
  }
  sources = ["source.docker.a"]
}
`,
    )
    expect(msg).toMatch(/hcp\.pkr\.hcl:7: build\.hcp_packer_registry: publishes the build to HCP Packer, a HashiCorp cloud service that tsimg does not talk to/)
  })
})

// Builds two real images; on a busy two-core machine that can take minutes.
describe('override in a docker build', { timeout: 900_000 }, () => {
  const repo = (s: string) => `tsimg/hcl-blocks-${process.pid}-${s}`
  afterAll(() => {
    for (const s of ['a', 'b']) execFileSync('docker', ['rmi', '-f', `${repo(s)}:t`], { stdio: 'ignore' })
  })

  it("each source's image holds what its own provisioner options wrote", async () => {
    writeFileSync(
      join(dir, 'build.pkr.hcl'),
      `${docker('a')}${docker('b')}
build {
  sources = ["source.docker.a", "source.docker.b"]
  provisioner "shell" {
    inline = ["echo default > /etc/who"]
    override = {
      b = { inline = ["echo for-\${source.name} > /etc/who"] }
    }
  }
  post-processor "docker-tag" {
    only       = ["docker.a"]
    repository = "${repo('a')}"
    tags       = ["t"]
  }
  post-processor "docker-tag" {
    only       = ["docker.b"]
    repository = "${repo('b')}"
    tags       = ["t"]
  }
}
`,
    )
    const r = await build({ templateFile: join(dir, 'build.pkr.hcl'), stateDir: join(dir, 'state'), cwd: dir })
    expect(r.builds.map((b) => [b.name, b.outcome, b.error?.message]).sort()).toEqual([
      ['docker.a', 'success', undefined],
      ['docker.b', 'success', undefined],
    ])
    const who = (s: string) => execFileSync('docker', ['run', '--rm', '--entrypoint', 'cat', `${repo(s)}:t`, '/etc/who'], { encoding: 'utf8' })
    expect([who('a'), who('b')]).toEqual(['default\n', 'for-b\n'])
  })
})
