// HCL2 semantics real templates rely on, compared with Packer 1.6.6 on the same files where it
// reads them: `default = null`, try() and can() falling back, tonumber() failing, source.name
// in a post-processor, and regex() (newer than 1.6.6: checked against HCL's documented results).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { packer, tsimgSync as tsimg, type Run } from './support/packer.js'

const root = mkdtempSync(join(tmpdir(), 'tsimg-hcl-semantics-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const env = { TSIMG_STATE_DIR: join(root, 'state') }

function folder(name: string, text: string): string {
  const d = join(root, name)
  mkdirSync(d, { recursive: true })
  writeFileSync(join(d, 'build.pkr.hcl'), text)
  return d
}

const echoed = (r: Run) => /N=.*\./.exec(r.out)?.[0]

describe('HCL2 semantics, as Packer reads them', { timeout: 300_000 }, () => {
  const fallbacks = folder(
    'fallbacks',
    `variable "n" {
  type    = string
  default = null
}
variable "cfg" {
  type    = map(string)
  default = { a = "1" }
}
locals {
  missing = try(var.cfg["k"], "fallback")
  present = try(var.cfg.a, "no")
  number  = try(tonumber("x"), 7)
  can_a   = can(var.cfg.a)
  can_k   = can(var.cfg["k"])
}
source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline = ["echo N=[\${var.n == null ? "isnull" : var.n}] M=\${local.missing} P=\${local.present} T=\${local.number} C=\${local.can_a},\${local.can_k}."]
  }
}
`,
  )

  it('default = null is an optional variable whose value is null; try() and can() fall back on a failing argument', () => {
    const p = packer(['build', '.'], fallbacks, env)
    expect(p.code, p.out).toBe(0)
    expect(echoed(p)).toBe('N=[isnull] M=fallback P=1 T=7 C=true,false.')
    const t = tsimg(['build', '.'], fallbacks, env)
    expect(t.code, t.out).toBe(0)
    expect(echoed(t)).toBe(echoed(p))
    // -var still sets it.
    expect(echoed(tsimg(['build', '-var', 'n=given', '.'], fallbacks, env))).toBe(echoed(packer(['build', '-var', 'n=given', '.'], fallbacks, env)))
  })

  it('inspect shows the null default as optional, not required', () => {
    const t = tsimg(['inspect', '.'], fallbacks)
    expect(t.code, t.out).toBe(0)
    expect(t.out).toMatch(/var\.n: .*\(string; from default\)/)
  })

  it('convert writes default = null as an optional hclVariable, and stops at try() or == of a variable instead of writing wrong code', () => {
    const d = folder(
      'convert-null',
      `variable "n" {
  type    = string
  default = null
}
source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline = ["echo \${var.n}"]
  }
}
`,
    )
    const c = tsimg(['convert', '.'], d)
    expect(c.code, c.out).toBe(0)
    expect(c.out).toContain("n: hclVariable<string | null>('string', { default: null })")
    const stop = tsimg(['convert', '.'], fallbacks)
    expect(stop.code).toBe(2)
    expect(stop.out).toMatch(/build\.pkr\.hcl:\d+: .*cannot be converted to TypeScript yet/)
  })

  it("source.name and source.type in a post-processor are each build's own, in the build and in the converted image.ts", () => {
    const d = folder(
      'manifest',
      `source "null" "first" {
  communicator = "none"
}
source "null" "second" {
  communicator = "none"
}
build {
  sources = ["source.null.first", "source.null.second"]
  post-processor "manifest" {
    output = "m.json"
    custom_data = {
      name = "\${source.name}"
      type = source.type
    }
  }
}
`,
    )
    const custom = () =>
      (JSON.parse(readFileSync(join(d, 'm.json'), 'utf8')) as { builds: { name: string; custom_data: unknown }[] }).builds
        .map((b) => [b.name, b.custom_data])
        .sort()
    const p = packer(['build', '.'], d, env)
    expect(p.code, p.out).toBe(0)
    const byPacker = custom()
    expect(byPacker).toEqual([
      ['first', { name: 'first', type: 'null' }],
      ['second', { name: 'second', type: 'null' }],
    ])
    rmSync(join(d, 'm.json'))
    const t = tsimg(['build', '.'], d, env)
    expect(t.code, t.out).toBe(0)
    expect(custom()).toEqual(byPacker)
    rmSync(join(d, 'm.json'))
    expect(tsimg(['convert', '.', '-o', 'image.ts'], d).code).toBe(0)
    expect(readFileSync(join(d, 'image.ts'), 'utf8')).toContain(
      "latePostProcessor(manifest, { output: 'm.json', customData: { name: '{{ .BuildName }}', type: '{{ .BuilderType }}' } })",
    )
    const b = tsimg(['build', 'image.ts'], d, env)
    expect(b.code, b.out).toBe(0)
    expect(custom()).toEqual(byPacker)
  })

  it('regex() gives the match, the list of captures, or the map of named captures; no match is an error at its line', () => {
    const d = folder(
      'regex',
      `locals {
  whole = regex("[a-z]+", "123abc456")
  caps  = regex("v([0-9]+)\\\\.([0-9]+)", "ver v1.18 x")
  named = regex("(?P<major>[0-9]+)\\\\.(?P<minor>[0-9]+)", "1.18")
  all   = regexall("[0-9]+", "a1b22c333")
}
source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline = ["echo 'N=\${local.whole} \${jsonencode(local.caps)} \${local.named.major}-\${local.named.minor} \${join(",", local.all)}.'"]
  }
}
`,
    )
    const t = tsimg(['build', '.'], d, env)
    expect(t.code, t.out).toBe(0)
    expect(echoed(t)).toBe('N=abc ["1","18"] 1-18 1,22,333.')
    writeFileSync(join(d, 'build.pkr.hcl'), readFileSync(join(d, 'build.pkr.hcl'), 'utf8').replace('"123abc456"', '"123"'))
    const bad = tsimg(['validate', '.'], d)
    expect(bad.code).toBe(2)
    expect(bad.out).toContain('build.pkr.hcl:2: ')
    expect(bad.out).toContain('regex(): the pattern "[a-z]+" does not match "123"')
  })
})

describe('data "amazon-parameterstore"', () => {
  it('is refused before anything is created, at its line, saying how to pass the value in as a variable', () => {
    const d = folder(
      'parameterstore',
      `data "amazon-parameterstore" "db_host" {
  name = "/app/db/host"
}
source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline = ["echo \${data.amazon-parameterstore.db_host.value}"]
  }
}
`,
    )
    const t = tsimg(['validate', '.'], d)
    expect(t.code).toBe(2)
    expect(t.out).toContain(
      'build.pkr.hcl:1: data "amazon-parameterstore" "db_host": data source "amazon-parameterstore" is not supported by tsimg: it would read AWS Systems Manager Parameter Store',
    )
    expect(t.out).toContain('PKR_VAR_db_host="$(aws ssm get-parameter --name /app/db/host --with-decryption --query Parameter.Value --output text)"')
  })
})

describe('build.sources', () => {
  it('names a source as type.name without the source. prefix, as Packer takes it', () => {
    const d = folder(
      'short-ref',
      'source "null" "x" {\n  communicator = "none"\n}\nbuild {\n  sources = ["null.x"]\n  provisioner "shell-local" {\n    inline = ["echo N=$PACKER_BUILD_NAME."]\n  }\n}\n',
    )
    const p = packer(['build', '.'], d, env)
    expect(echoed(p)).toBe('N=x.')
    const t = tsimg(['build', '.'], d, env)
    expect(t.code, t.out).toBe(0)
    expect(echoed(t)).toBe(echoed(p))
  })
})

describe('only/except on a post-processor', () => {
  it('runs it for the builds named, in the build and in the converted image.ts, as packer build does', () => {
    const d = folder(
      'pp-only',
      'source "null" "first" {\n  communicator = "none"\n}\nsource "null" "second" {\n  communicator = "none"\n}\nbuild {\n  sources = ["source.null.first", "source.null.second"]\n  post-processor "manifest" {\n    output = "m.json"\n    only   = ["null.second"]\n  }\n}\n',
    )
    const names = () => (JSON.parse(readFileSync(join(d, 'm.json'), 'utf8')) as { builds: { name: string }[] }).builds.map((b) => b.name)
    expect(packer(['build', '.'], d, env).code).toBe(0)
    expect(names()).toEqual(['second'])
    rmSync(join(d, 'm.json'))
    const t = tsimg(['build', '.'], d, env)
    expect(t.code, t.out).toBe(0)
    expect(names()).toEqual(['second'])
    rmSync(join(d, 'm.json'))
    expect(tsimg(['convert', '.', '-o', 'image.ts'], d).code).toBe(0)
    expect(readFileSync(join(d, 'image.ts'), 'utf8')).toContain("scopedPostProcessor(manifest({ output: 'm.json' }), { only: ['null.second'] })")
    const b = tsimg(['build', 'image.ts'], d, env)
    expect(b.code, b.out).toBe(0)
    expect(names()).toEqual(['second'])
  })
})

describe('a var. or local. the template does not declare', () => {
  const d = folder(
    'undeclared',
    `variable "region" {
  type    = string
  default = "x"
}
variable "ssh_port" {
  type    = number
  default = 22
}

source "null" "box" {
  ssh_host     = var.ssh_host
  ssh_username = "root"
}

build {
  sources = ["source.null.box"]
}
`,
  )
  it('fails at its line as in Packer 1.6.6, saying the variable is not declared and how to declare it (not "no attribute on an object")', () => {
    const p = packer(['validate', '.'], d)
    expect(p.code).not.toBe(0)
    expect(p.out).toContain('line 11')
    expect(p.out).toContain('attribute named "ssh_host"')
    const t = tsimg(['validate', '.'], d, env)
    expect(t.code).toBe(2)
    expect(t.out).toContain('build.pkr.hcl:11: source "null" "box": reference to undeclared input variable "ssh_host"')
    expect(t.out).toContain('variable "ssh_host" { type = string }')
    expect(t.out).toContain('Did you mean: var.ssh_port?')
    expect(t.out).not.toContain('on an object')
  })

  it('names an undeclared local the same way', () => {
    const l = folder(
      'undeclared-local',
      'locals {\n  a = "1"\n}\nsource "null" "box" {\n  ssh_host     = local.host\n  ssh_username = "root"\n}\nbuild {\n  sources = ["source.null.box"]\n}\n',
    )
    const t = tsimg(['validate', '.'], l, env)
    expect(t.code).toBe(2)
    expect(t.out).toContain('build.pkr.hcl:5: source "null" "box": reference to undeclared local value "host"')
    expect(t.out).toContain('locals { host = ... }')
  })
})
