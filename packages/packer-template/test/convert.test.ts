import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { prepareTemplate } from '@tsimg/core/node'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * `tsimg convert` of what it used to refuse: member access and functions of variables, dates
 * and build-time values. Each converted file is type-checked by `tsimg validate`, and its
 * plugins' options are compared with the ones the Packer template itself gives.
 */
const here = fileURLToPath(new URL('.', import.meta.url))
const CLI = resolve(here, '../../core/bin/tsimg.js')
const dir = mkdtempSync(join(tmpdir(), 'tsimg-convert-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function tsimg(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

/** Converts `name` (written into the test directory) and checks that validate accepts the result. */
function convert(name: string, text: string, ...vars: string[]): string {
  writeFileSync(join(dir, name), text)
  const out = `${name}.image.ts`
  const c = tsimg('convert', name, '-o', out)
  expect(c.code, c.err).toBe(0)
  const v = tsimg('validate', out, ...vars.flatMap((x) => ['-var', x]))
  expect(v.code, v.err + v.out).toBe(0)
  return readFileSync(join(dir, out), 'utf8')
}

/** Every plugin's options as the build gets them, from the Packer template and from its conversion, in this run. */
async function bothOptions(name: string, vars: Record<string, string> = {}) {
  const opts = async (file: string) => {
    const t = await prepareTemplate({ templateFile: join(dir, file), vars, typecheck: false, cwd: dir }, 'inspect')
    return [...t.build.sources, ...t.build.provisioners, ...t.build.postProcessors].map((p) => JSON.parse(JSON.stringify(p.options)) as unknown)
  }
  return { packer: await opts(name), converted: await opts(`${name}.image.ts`) }
}

const VARIABLES = `
variable "tags" {
  type    = map(string)
  default = { app = "Web", team = "ops" }
}
variable "zones" {
  type    = list(string)
  default = ["a", "b"]
}
variable "name" {
  type    = string
  default = " Box "
}
`

describe('tsimg convert', () => {
  it('writes member access on variables (var.tags["app"], var.tags.team, var.zones[1], local.cfg.host) as vars.x[...] code', async () => {
    const ts = convert(
      'members.pkr.hcl',
      `${VARIABLES}
locals {
  cfg = { user = "admin", host = var.zones[1] }
}
source "null" "box" {
  ssh_host     = local.cfg.host
  ssh_username = local.cfg.user
  ssh_password = var.tags["app"]
}
build {
  sources = ["source.null.box"]
  provisioner "shell" {
    inline = ["echo \${var.tags.team} \${var.zones[0]}"]
  }
}
`,
    )
    expect(ts).toContain(`sshHost({ host: vars.zones[1], sshUsername: 'admin', sshPassword: vars.tags["app"], name: 'box' })`)
    expect(ts).toContain('shell({ inline: [`echo ${vars.tags["team"]} ${vars.zones[0]}`] })')
    const vars = { tags: '{"app":"Api","team":"dev"}', zones: '["x","y"]' }
    const { packer, converted } = await bothOptions('members.pkr.hcl', vars)
    expect(converted).toEqual(packer)
    expect(JSON.stringify(converted)).toContain('echo dev x')
  })

  it('writes lower, upper, trimspace, join, split, concat, format, replace, regex_replace, merge and lookup of variables as TypeScript giving the same values', async () => {
    const ts = convert(
      'functions.pkr.hcl',
      `${VARIABLES}
source "null" "box" {
  ssh_host     = "127.0.0.1"
  ssh_username = lower(var.tags["app"])
  ssh_password = "pw"
}
build {
  sources = ["source.null.box"]
  provisioner "shell" {
    inline = [
      "echo \${upper(var.name)}|\${trimspace(var.name)}",
      join(" ", concat(["echo"], var.zones, [format("%s-%q", var.name, var.tags.app)])),
      "echo \${replace(var.name, "o", "0")} \${join("+", split(",", "x,\${var.zones[1]}"))}",
      "echo \${regex_replace(var.tags.team, "[aeiou]", "_")}",
      "echo \${lookup(merge(var.tags, { extra = "1" }), "extra", "none")} \${lookup(var.tags, "missing", "dflt")}",
    ]
  }
}
`,
    )
    expect(ts).toContain('sshUsername: vars.tags["app"].toLowerCase()')
    expect(ts).toContain('`echo ${vars.name.toUpperCase()}|${vars.name.trim()}`')
    expect(ts).toContain('["echo", ...vars.zones, `${vars.name}-${JSON.stringify(vars.tags["app"])}`].join(" ")')
    expect(ts).toContain('vars.name.split("o").join("0")')
    expect(ts).toContain(`vars.tags["team"].replace(new RegExp("[aeiou]", 'g'), "_")`)
    expect(ts).toContain(`({ ...vars.tags, ...{ "extra": "1" } })["extra"] ?? "none"`)
    expect(ts).toContain(`vars.tags["missing"] ?? "dflt"`)
    const vars = { name: ' Other ', zones: '["p","q"]', tags: '{"app":"MiXed","team":"operations"}' }
    const { packer, converted } = await bothOptions('functions.pkr.hcl', vars)
    expect(converted).toEqual(packer)
    expect(JSON.stringify(converted)).toContain('echo p q  Other -\\"MiXed\\"')
    expect(JSON.stringify(converted)).toContain('echo 1 dflt')
  })

  it('writes JSON {{lower}}, {{upper}}, {{split}}, {{replace_all}} and {{replace ... -1}} of a user variable as TypeScript giving the same values', async () => {
    const password = '{{split (user `z`) "," 1}}|{{replace_all "-" "_" (user `z`)}}|{{replace "," ";" -1 (user `z`)}}'
    const ts = convert(
      'case.json',
      JSON.stringify({
        variables: { n: 'Web', z: 'a-b,c' },
        builders: [{ type: 'null', ssh_host: 'h', ssh_username: '{{user `n` | lower}}-{{upper (user `n`)}}', ssh_password: password }],
      }),
    )
    expect(ts).toContain('sshUsername: `${vars.n.toLowerCase()}-${vars.n.toUpperCase()}`')
    expect(ts).toContain('sshPassword: `${vars.z.split(",")[1]}|${vars.z.split("-").join("_")}|${vars.z.split(",").join(";")}`')
    const { packer, converted } = await bothOptions('case.json', { n: 'MiXed', z: 'x-y-z,w' })
    expect(converted).toEqual(packer)
    expect(JSON.stringify(converted)).toContain('mixed-MIXED')
    expect(JSON.stringify(converted)).toContain('w|x_y_z,w|x-y-z;w')
  })

  it('writes docker discard set from a variable as commit: !discard, so the converted image.ts commits exactly when the template does', async () => {
    const ts = convert(
      'discard.json',
      JSON.stringify({ variables: { discard: 'true' }, builders: [{ type: 'docker', image: 'tsimg/debian-ssh:bookworm', discard: '{{user `discard`}}' }] }),
    )
    expect(ts).toContain('commit: !(packerJson.bool(vars.discard))')
    for (const discard of ['true', 'false']) {
      const { packer, converted } = await bothOptions('discard.json', { discard })
      // The docker source commits unless `commit` is false (its default is true).
      const commits = (o: unknown) => (o as { commit?: boolean }).commit ?? true
      expect(converted.map(commits)).toEqual(packer.map(commits))
      expect(commits(converted[0])).toBe(discard === 'false')
    }
  })

  it('keeps a clear error, with file and line, for a function of a variable it cannot write as TypeScript', () => {
    writeFileSync(
      join(dir, 'sha.pkr.hcl'),
      `${VARIABLES}\nsource "null" "box" {\n  ssh_host     = "h"\n  ssh_username = sha256(var.name)\n  ssh_password = "pw"\n}\nbuild {\n  sources = ["source.null.box"]\n}\n`,
    )
    const c = tsimg('convert', 'sha.pkr.hcl', '-o', 'sha.ts')
    expect(c.code).toBe(2)
    expect(c.err).toMatch(/sha\.pkr\.hcl:\d+.*sha256\(\) of a variable cannot be converted to TypeScript yet/)
  })

  it("writes JSON isotime and HCL timestamp()/formatdate as core's isotime()/formatdate(), the same text for the run", async () => {
    const json = convert(
      'dates.json',
      JSON.stringify({
        variables: { stamp: '{{isotime "20060102"}}' },
        builders: [{ type: 'null', ssh_host: '127.0.0.1', ssh_username: 'u-{{isotime "2006-01-02-1504"}}', ssh_password: 'pw' }],
        provisioners: [{ type: 'shell', inline: ['echo {{user `stamp`}} {{isotime}} {{isotime "Jan _2 15:04:05 MST"}}'] }],
      }),
    )
    expect(json).toContain('stamp: packerJson.variable({ default: isotime("20060102") })')
    expect(json).toContain('sshUsername: `u-${isotime("2006-01-02-1504")}`')
    expect(json).toContain('`echo ${vars.stamp} ${isotime()} ${isotime("Jan _2 15:04:05 MST")}`')
    const hcl = convert(
      'dates.pkr.hcl',
      `locals {\n  stamp = formatdate("YYYYMMDD-hhmmss", timestamp())\n}\nsource "null" "box" {\n  ssh_host     = "127.0.0.1"\n  ssh_username = "u-\${local.stamp}"\n  ssh_password = "pw"\n}\nbuild {\n  sources = ["source.null.box"]\n  provisioner "shell" {\n    inline = ["echo \${timestamp()} \${formatdate("EEE, DD MMM YYYY 'at' h:mm", timestamp())}"]\n  }\n}\n`,
    )
    expect(hcl).toContain('sshUsername: `u-${formatdate("YYYYMMDD-hhmmss")}`')
    expect(hcl).toContain('`echo ${isotime()} ${formatdate("EEE, DD MMM YYYY \'at\' h:mm")}`')
    // One run (this process), one time: the Packer template and its conversion give the same text.
    for (const name of ['dates.json', 'dates.pkr.hcl']) {
      const { packer, converted } = await bothOptions(name)
      expect(converted).toEqual(packer)
    }
    expect(JSON.stringify((await bothOptions('dates.pkr.hcl')).converted)).toMatch(
      /echo \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} at \d{1,2}:\d\d/,
    )
  })

  it('writes build-time values as lateSource()/lateProvisioner() calls that validate', () => {
    copyFileSync(join(here, 'fixtures/aws/aws.pkr.hcl'), join(dir, 'aws.pkr.hcl'))
    const c = tsimg('convert', 'aws.pkr.hcl', '-o', 'aws.ts')
    expect(c.code, c.err).toBe(0)
    const ts = readFileSync(join(dir, 'aws.ts'), 'utf8')
    expect(ts).toMatch(
      /lateSource\(amazonEbs\(\{ .*tags: \{ Name: 'web', SourceAMI: '\{\{ \.SourceAMIName \}\}', Region: '\{\{ \.BuildRegion \}\}' \}.*\}\), \['tags'\]\)/,
    )
    expect(ts).toContain(`lateProvisioner(shell, { inline: ['echo "built on {{ .ID }} from {{ .SourceAMIName }}"\\necho wants-curl\\necho wants-jq\\n'] })`)
    const v = tsimg('validate', 'aws.ts', '-var', 'endpoint=http://127.0.0.1:9', '-var', 'access_key=a', '-var', 'secret_key=b')
    expect(v.code, v.err + v.out).toBe(0)
  })

  it('refuses a build-time value in an option the builder reads before it has it, as a build of the template would', () => {
    writeFileSync(
      join(dir, 'early.pkr.hcl'),
      `source "docker" "x" {\n  image  = "{{ .SourceImage }}"\n  commit = true\n}\nbuild {\n  sources = ["source.docker.x"]\n}\n`,
    )
    const c = tsimg('convert', 'early.pkr.hcl', '-o', 'early.ts')
    expect(c.code).toBe(2)
    expect(c.err).toMatch(/early\.pkr\.hcl:1: .*image.*\{\{ \.SourceImage \}\}, a value known only while the build runs/)
  })
})
