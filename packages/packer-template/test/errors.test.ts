import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TemplateError, inspect, validate } from '@tsimg/core/node'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'tsimg-packer-errors-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

/** Writes a template and returns validate()'s error message (or 'valid'). */
async function problem(name: string, text: string, vars: Record<string, string> = {}): Promise<string> {
  const file = join(dir, `${n++}-${name}`)
  writeFileSync(file, text)
  try {
    await validate({ templateFile: file, vars, cwd: dir })
    return 'valid'
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError)
    const e = err as TemplateError
    return `${e.message}${e.hint ? ` | ${e.hint}` : ''}`.replace(/\d+-/, '')
  }
}

const docker = (extra: string) => `{
  "builders": [{
    "type": "docker",
    "image": "tsimg/debian-ssh:bookworm"${extra}
  }]
}`

describe('Packer JSON templates: errors name the file, the line and the Packer field', () => {
  it('an unknown option, with the close names', async () => {
    expect(await problem('t.json', docker(',\n    "imagee": "x"'))).toMatch(
      /t\.json:5: builders\[0\] \(docker\)\.imagee: unknown option \| Did you mean: image/,
    )
  })

  it('a value of the wrong type', async () => {
    expect(await problem('t.json', docker(',\n    "commit": "maybe"'))).toMatch(/t\.json:5: builders\[0\] \(docker\)\.commit: expected a bool/)
  })

  it("a value the plugin's own schema rejects", async () => {
    expect(await problem('t.json', docker(',\n    "changes": ["FROM x"]'))).toMatch(
      /t\.json:5: builders\[0\] \(docker\)\.changes\[0\]: must start with one of CMD/,
    )
  })

  it('an option tsimg does not support, with what to do instead', async () => {
    expect(await problem('t.json', docker(',\n    "export_path": "x.tar"'))).toMatch(/t\.json:5: .*export_path: is not supported by tsimg \| .*docker save/)
  })

  it('a provisioner tsimg does not have', async () => {
    const t = docker('').replace(/\n}$/, ',\n  "provisioners": [{ "type": "ansible-local", "playbook_file": "x.yml" }]\n}')
    expect(await problem('t.json', t)).toMatch(
      /t\.json:6: provisioners\[0\] \(ansible-local\): provisioner "ansible-local" is not supported by tsimg \| use the ansible provisioner/,
    )
  })

  it("the ansible provisioner's options reach its own checks (a missing playbook names the Packer field)", async () => {
    const t = docker('').replace(/\n}$/, ',\n  "provisioners": [{ "type": "ansible", "playbook_file": "missing.yml", "use_proxy": false }]\n}')
    expect(await problem('t.json', t)).toMatch(/t\.json:6: provisioners\[0\] \(ansible\)\.playbook_file: .*missing\.yml/)
  })

  it('an ansible template with an existing playbook is valid', async () => {
    writeFileSync(join(dir, 'site.yml'), '- hosts: all\n  tasks: []\n')
    const t = docker('').replace(
      /\n}$/,
      ',\n  "provisioners": [{ "type": "ansible", "playbook_file": "site.yml", "groups": ["golden"], "extra_arguments": ["-v"] }]\n}',
    )
    expect(await problem('t.json', t)).toBe('valid')
  })

  it('a template function tsimg does not have', async () => {
    expect(await problem('t.json', docker(',\n    "message": "{{ vault `a` `b` }}"'))).toMatch(
      /t\.json:5: builders\[0\] \(docker\): template function vault is not supported/,
    )
  })

  it('a provisioner limited to a builder that does not exist', async () => {
    const t = docker('').replace(/\n}$/, ',\n  "provisioners": [{ "type": "shell", "inline": ["true"], "override": { "nope": {} } }]\n}')
    expect(await problem('t.json', t)).toMatch(/t\.json:6: provisioners\[0\] \(shell\)\.override\.nope: "nope" is not a builder/)
  })
})

describe('Packer HCL2 templates: errors name the file, the line and the Packer field', () => {
  const source = 'source "docker" "web" {\n  image = "tsimg/debian-ssh:bookworm"\n}\n'
  it('an unknown function', async () => {
    expect(
      await problem('t.pkr.hcl', `${source}build {\n  sources = ["source.docker.web"]\n  provisioner "shell" {\n    inline = [nope("x")]\n  }\n}\n`),
    ).toMatch(/t\.pkr\.hcl:7: provisioner "shell": function nope\(\) is not supported by tsimg/)
  })

  it('a syntax error', async () => {
    expect(await problem('t.pkr.hcl', `${source}build {\n  sources = [\n`)).toMatch(/t\.pkr\.hcl:\d+: HCL syntax error/)
  })

  it('a source the build does not have', async () => {
    expect(await problem('t.pkr.hcl', `${source}build {\n  sources = ["source.docker.api"]\n}\n`)).toMatch(
      /t\.pkr\.hcl:5: build\.sources: "source\.docker\.api" is not a source of this template \| Sources: source\.docker\.web/,
    )
  })

  it('an unsupported builder, before any variable is needed', async () => {
    expect(
      await problem('t.pkr.hcl', 'variable "k" {\n  type = string\n}\nsource "googlecompute" "x" {\n}\nbuild {\n  sources = ["source.googlecompute.x"]\n}\n'),
    ).toMatch(/t\.pkr\.hcl:4: source "googlecompute" "x": builder "googlecompute" is not supported by tsimg \| tsimg builders: docker, null, amazon-ebs/)
  })

  it('a failed variable validation names the rule', async () => {
    const t =
      'variable "n" {\n  type = number\n  default = 1\n  validation {\n    condition = var.n > 2\n    error_message = "n must be above 2."\n  }\n}\n' +
      source +
      'build {\n  sources = ["source.docker.web"]\n}\n'
    expect(await problem('t.pkr.hcl', t)).toMatch(/variables\.n: n must be above 2\. \(validation at .*t\.pkr\.hcl:4\)/)
    expect(await problem('t.pkr.hcl', t, { n: '3' })).toBe('valid')
  })
})

describe('Packer variables', () => {
  it('.pkrvars.hcl var-files and PKR_VAR_ set HCL variables', async () => {
    const file = join(dir, 'vars.pkr.hcl')
    writeFileSync(
      file,
      'variable "a" {\n  type = string\n}\nvariable "b" {\n  type = list(string)\n  default = []\n}\nvariable "c" {\n  type = bool\n  default = false\n}\nsource "docker" "web" {\n  image = var.a\n}\nbuild {\n  sources = ["source.docker.web"]\n}\n',
    )
    writeFileSync(join(dir, 'x.pkrvars.hcl'), '# values\na = "tsimg/debian-ssh:bookworm"\nb = ["x", "y"]\n')
    const info = await inspect({ templateFile: file, varFiles: [join(dir, 'x.pkrvars.hcl')], env: { PKR_VAR_c: 'true' } })
    expect(info.variables.map((v) => [v.name, v.value, v.source])).toEqual([
      ['a', 'tsimg/debian-ssh:bookworm', expect.stringContaining('x.pkrvars.hcl')],
      ['b', '["x","y"]', expect.stringContaining('x.pkrvars.hcl')],
      ['c', 'true', 'env PKR_VAR_c'],
    ])
  })

  it("variables take Packer's precedence: default < PKR_VAR_ < *.auto.pkrvars.hcl (lexical) < -var-file < -var", async () => {
    const d = join(dir, 'auto')
    mkdirSync(d)
    const vars = ['a', 'b', 'c', 'd', 'e', 'f']
    writeFileSync(
      join(d, 'a.pkr.hcl'),
      `${vars.map((v) => `variable "${v}" {\n  type = string\n  default = "default"\n}\n`).join('')}source "docker" "web" {\n  image = "tsimg/debian-ssh:bookworm"\n}\nbuild {\n  sources = ["source.docker.web"]\n}\n`,
    )
    writeFileSync(join(d, 'b.auto.pkrvars.hcl'), 'c = "auto-b"\nd = "auto-b"\ne = "auto-b"\nf = "auto-b"\n')
    writeFileSync(join(d, 'a.auto.pkrvars.hcl'), 'c = "auto-a"\nd = "auto-a"\n')
    writeFileSync(join(dir, 'cli.pkrvars.hcl'), 'e = "var-file"\nf = "var-file"\n')
    const env = { PKR_VAR_b: 'env', PKR_VAR_c: 'env', PKR_VAR_d: 'env', PKR_VAR_e: 'env', PKR_VAR_f: 'env' }
    const info = await inspect({ templateFile: d, env, varFiles: [join(dir, 'cli.pkrvars.hcl')], vars: { f: '-var' } })
    expect(info.variables.map((v) => [v.name, v.value])).toEqual([
      ['a', 'default'],
      ['b', 'env'],
      ['c', 'auto-b'],
      ['d', 'auto-b'],
      ['e', 'var-file'],
      ['f', '-var'],
    ])
  })

  it('a sensitive value is never quoted by an error', async () => {
    const json =
      '{ "variables": { "tok": "hunter2-secret" }, "sensitive-variables": ["tok"], "builders": [{ "type": "docker", "image": "x", "commit": "{{user `tok`}}" }] }'
    const hcl =
      'variable "tok" {\n  type = string\n  default = "hunter2-secret"\n  sensitive = true\n}\nsource "docker" "x" {\n  image = "x"\n  commit = var.tok\n}\nbuild {\n  sources = ["source.docker.x"]\n}\n'
    for (const [name, text] of [
      ['s.json', json],
      ['s.pkr.hcl', hcl],
    ] as const) {
      const msg = await problem(name, text)
      expect(msg).toMatch(/commit: expected a bool \(true or false\), got "<sensitive>"/)
      expect(msg).not.toContain('hunter2')
    }
  })

  it('JSON sensitive-variables are hidden by inspect', async () => {
    const file = join(dir, 'sens.json')
    writeFileSync(
      file,
      '{ "variables": { "token": "abc123" }, "sensitive-variables": ["token"], "builders": [{ "type": "docker", "image": "{{user `token`}}" }] }',
    )
    const info = await inspect({ templateFile: file })
    expect(info.variables).toEqual([expect.objectContaining({ name: 'token', sensitive: true, value: '<sensitive>' })])
  })
})
