// What a Packer option becomes in tsimg, read from the image.ts that tsimg convert writes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from '@tsimg/core/node'
import { TemplateError, appliesTo, matchesBuild } from '@tsimg/core/plugin'
import { convertTemplate } from '@tsimg/packer-template'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'tsimg-packer-mapping-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function converted(name: string, text: string): Promise<string> {
  writeFileSync(join(dir, name), text)
  return convertTemplate(join(dir, name), name, { cwd: dir })
}

describe('Packer options mapped to tsimg options', () => {
  it("alicloud-ecs image_family picks the source image; target_image_family is the new image's family", async () => {
    const ts = await converted(
      'ali.json',
      JSON.stringify(
        {
          builders: [
            {
              type: 'alicloud-ecs',
              region: 'cn-hangzhou',
              instance_type: 'ecs.g7.large',
              image_name: 'web',
              image_family: 'acs:debian_12_x64',
              target_image_family: 'tsimg-web',
              ssh_username: 'root',
            },
          ],
        },
        null,
        2,
      ),
    )
    expect(ts).toContain("sourceImageFamily: 'acs:debian_12_x64'")
    expect(ts).toContain("imageFamily: 'tsimg-web'")
    // No endpoint in the template: the image.ts reads the same environment variable the template run does.
    expect(ts).toContain("endpoint: env('TSIMG_ALICLOUD_ENDPOINT') || undefined")
  })

  it('a JSON builder is named as Packer names it: its type without a name, its name alone with one', async () => {
    const ebs = { type: 'amazon-ebs', region: 'us-east-1', source_ami: 'ami-12345678', instance_type: 't3.micro', ssh_username: 'admin', ami_name: 'web' }
    const template = {
      builders: [ebs, { ...ebs, name: 'web' }],
      provisioners: [
        { type: 'shell', only: ['web'], inline: ['true'] },
        { type: 'shell', only: ['amazon-ebs.web'], inline: ['true'] },
      ],
    }
    writeFileSync(join(dir, 'plain.json'), JSON.stringify(template))
    const info = await inspect({ templateFile: join(dir, 'plain.json') })
    expect(info.sources.map((s) => s.name)).toEqual(['amazon-ebs', 'web'])
    // type.name still selects the named one, in -only and in a provisioner's only.
    const named = { type: 'amazon-ebs', name: 'web', buildName: 'web' }
    expect([matchesBuild('web', named), matchesBuild('amazon-ebs.web', named), matchesBuild('amazon-ebs.amazon-ebs', named)]).toEqual([true, true, false])
    expect(appliesTo({ only: ['amazon-ebs.web'] }, { name: 'web', sourceName: 'web', sourceType: 'amazon-ebs' })).toBe(true)
    const ts = await convertTemplate(join(dir, 'plain.json'), 'plain.json', { cwd: dir })
    expect(ts).toMatch(/\{ \.\.\.amazonEbs\(\{[^\n]*name: 'web' \}\), buildName: 'web' \}/)
  })

  it('a null source builds as null.box, as Packer names it, though sshHost runs it; null.box selects it, with or without a build prefix', async () => {
    const hcl = `source "null" "box" {
  ssh_host     = "127.0.0.1"
  ssh_username = "admin"
  ssh_password = "pw"
}
build {
  name    = "lab"
  sources = ["source.null.box"]
  provisioner "shell" {
    only   = ["null.box"]
    inline = ["true"]
  }
}
`
    writeFileSync(join(dir, 'null.pkr.hcl'), hcl)
    const info = await inspect({ templateFile: join(dir, 'null.pkr.hcl') })
    expect(info.sources.map((s) => s.name)).toEqual(['lab.null.box'])
    const src = { type: 'ssh', name: 'box', buildPrefix: 'lab', buildName: 'null.box' }
    expect(['null.box', 'lab.null.box', 'ssh.box', 'box', 'lab.*'].map((p) => matchesBuild(p, src))).toEqual([true, true, true, true, true])
    expect(appliesTo({ only: ['null.box'] }, { name: 'lab.null.box', sourceName: 'box', sourceType: 'ssh' })).toBe(true)
    expect(appliesTo({ only: ['other.box'] }, { name: 'lab.null.box', sourceName: 'box', sourceType: 'ssh' })).toBe(false)
    const ts = await convertTemplate(join(dir, 'null.pkr.hcl'), 'null.pkr.hcl', { cwd: dir })
    expect(ts).toContain("name: 'box' }), buildPrefix: 'lab', buildName: 'null.box' }")
  })

  it('a named build block prefixes its builds as Packer does (images.docker.base), and type.name still selects them', async () => {
    const hcl = `source "docker" "base" {
  image  = "tsimg/debian-ssh:bookworm"
  commit = true
}
build {
  name    = "images"
  sources = ["source.docker.base"]
  provisioner "shell" {
    inline = ["echo images"]
  }
}
build {
  name    = "extra"
  sources = ["source.docker.base"]
  provisioner "shell" {
    only   = ["docker.base"]
    inline = ["echo any"]
  }
}
`
    writeFileSync(join(dir, 'named.pkr.hcl'), hcl)
    const info = await inspect({ templateFile: join(dir, 'named.pkr.hcl') })
    expect(info.sources.map((s) => s.name)).toEqual(['images.docker.base', 'extra.docker.base'])
    // The first build's provisioner is scoped to that build alone; the second names the source.
    expect(info.provisioners.map((p) => p.only)).toEqual([['images.docker.base'], ['docker.base']])
    const [images, extra] = [
      { name: 'images.docker.base', sourceName: 'base', sourceType: 'docker' },
      { name: 'extra.docker.base', sourceName: 'base', sourceType: 'docker' },
    ]
    expect([appliesTo({ only: ['images.docker.base'] }, images), appliesTo({ only: ['images.docker.base'] }, extra)]).toEqual([true, false])
    expect([appliesTo({ only: ['docker.base'] }, images), appliesTo({ only: ['docker.base'] }, extra)]).toEqual([true, true])
    const src = { type: 'docker', name: 'base', buildPrefix: 'images' }
    expect(['images.docker.*', 'docker.base', 'images.*', 'extra.*'].map((p) => matchesBuild(p, src))).toEqual([true, true, true, false])
    const ts = await convertTemplate(join(dir, 'named.pkr.hcl'), 'named.pkr.hcl', { cwd: dir })
    expect(ts).toContain(`buildPrefix: 'images'`)
    expect(ts).toContain(`buildPrefix: 'extra'`)
  })

  it('build-level source blocks fill in a top-level source (named type.name or source.type.name), renamed by their name', async () => {
    const hcl = `source "docker" "base" {
  image = "tsimg/debian-ssh:bookworm"
}
build {
  source "docker.base" {
    name    = "web"
    changes = ["CMD [\\"nginx\\"]"]
  }
}
build {
  source "source.docker.base" {
    name   = "worker"
    commit = false
  }
}
`
    writeFileSync(join(dir, 'fill.pkr.hcl'), hcl)
    const info = await inspect({ templateFile: join(dir, 'fill.pkr.hcl') })
    expect(info.sources.map((s) => s.name)).toEqual(['docker.web', 'docker.worker'])
    const ts = await convertTemplate(join(dir, 'fill.pkr.hcl'), 'fill.pkr.hcl', { cwd: dir })
    // Packer's pull default (true) is written out.
    expect(ts).toContain(`docker({ image: 'tsimg/debian-ssh:bookworm', changes: ['CMD ["nginx"]'], pull: true, name: 'web' })`)
    expect(ts).toContain(`docker({ image: 'tsimg/debian-ssh:bookworm', commit: false, pull: true, name: 'worker' })`)
  })

  it('a build-level source block setting a field the top-level source sets is an error at its line, as in Packer', async () => {
    writeFileSync(join(dir, 'twice.pkr.hcl'), 'source "docker" "base" {\n  image = "a"\n}\nbuild {\n  source "docker.base" {\n    image = "b"\n  }\n}\n')
    const err = await inspect({ templateFile: join(dir, 'twice.pkr.hcl') }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TemplateError)
    expect((err as Error).message).toMatch(
      /twice\.pkr\.hcl:6: build\.source "docker\.base"\.image: is already set by source "docker" "base" at .*twice\.pkr\.hcl:2/,
    )
  })

  it('map and object variables take an HCL default, and a JSON object from -var or PKR_VAR_; convert writes hclVariable', async () => {
    const hcl = `variable "tags" {
  type    = map(string)
  default = { app = "web", tier = "front" }
}
variable "disk" {
  type = object({ size = number })
}
source "docker" "web" {
  image   = "tsimg/debian-ssh:bookworm"
  changes = ["LABEL app=\${var.tags["app"]} size=\${var.disk.size}"]
}
build {
  sources = ["source.docker.web"]
}
`
    writeFileSync(join(dir, 'maps.pkr.hcl'), hcl)
    const file = join(dir, 'maps.pkr.hcl')
    const info = await inspect({ templateFile: file, vars: { tags: '{"app":"api"}' }, env: { PKR_VAR_disk: '{"size":20}' } })
    expect(info.variables.map((v) => [v.name, v.type, v.value, v.source])).toEqual([
      ['tags', 'map', '{"app":"api"}', '-var'],
      ['disk', 'map', '{"size":20}', 'env PKR_VAR_disk'],
    ])
    const bad = await inspect({ templateFile: file, vars: { tags: 'app=api' }, env: { PKR_VAR_disk: '{"size":20}' } }).catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(TemplateError)
    expect((bad as Error).message).toMatch(/variables\.tags: expected map\(string\), got "app=api" \(from -var tags\): not an HCL value/)
    // convert writes member access of a variable as an error (README), so this copy does not use them.
    writeFileSync(join(dir, 'maps2.pkr.hcl'), hcl.replace(/ {2}changes = .*\n/, ''))
    const ts = await convertTemplate(join(dir, 'maps2.pkr.hcl'), 'maps2.pkr.hcl', { cwd: dir })
    expect(ts).toContain("tags: hclVariable<Record<string, string>>('map(string)', { default: { app: 'web', tier: 'front' } })")
    expect(ts).toContain("disk: hclVariable<{ size: number }>('object({size=number})')")
  })
})
