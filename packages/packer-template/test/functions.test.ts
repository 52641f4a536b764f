import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPackerTemplate } from '@tsimg/packer-template'
import type { TemplateBuild } from '@tsimg/core'
import { afterAll, describe, expect, it } from 'vitest'

const dir = mkdtempSync(join(tmpdir(), 'tsimg-packer-fn-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The inline commands of the first provisioner, evaluated as a build would. */
async function inline(name: string, text: string, vars: Record<string, unknown> = {}): Promise<string[]> {
  const file = join(dir, name)
  writeFileSync(file, text)
  const def = await loadPackerTemplate(file, name, { env: { HOME_X: '/home/x' } })
  const b = await (def.build as (c: unknown) => Promise<TemplateBuild>)({ vars, templateDir: dir, templateFile: file, runId: 'r', timestamp: 1700000000 })
  return (b.provisioners![0] as { options: { inline: string[] } }).options.inline
}

const ssh = '{ "type": "null", "ssh_host": "127.0.0.1", "ssh_username": "u", "ssh_password": "p" }'

describe('JSON template functions', () => {
  it('render as Packer renders them', async () => {
    const cmds = [
      '{{user `name`}}',
      '{{ env `HOME_X` }}',
      '{{timestamp}}',
      '{{ isotime `2006-01-02 15:04` }}',
      '{{ split `a-b-c` `-` 1 }}',
      '{{ replace `a` `b` 1 `aaa` }}',
      '{{ replace_all `a` `b` `aaa` }}',
      '{{ upper `x` }}{{ lower `Y` }}',
      '{{ timestamp | clean_resource_name }}',
      '{{ clean_resource_name `a b:c` }}',
      '{{ build_name }} {{ build_type }}',
      '{{ template_dir }}',
      '{{ .Path }}',
    ]
    const t = `{ "variables": { "name": "n" }, "builders": [${ssh}], "provisioners": [{ "type": "shell", "inline": ${JSON.stringify(cmds)} }] }`
    expect(await inline('f.json', t, { name: 'web' })).toEqual([
      'web',
      '/home/x',
      '1700000000',
      '2023-11-14 22:13',
      'b',
      'baa',
      'bbb',
      'Xy',
      '1700000000',
      'a-b-c',
      '{{ .BuildName }} {{ .BuilderType }}',
      dir,
      '{{ .Path }}',
    ])
  })
})

describe('HCL2 expressions and functions', () => {
  it('evaluate templates, heredocs, directives, collections and the common functions', async () => {
    const t = `variable "name" {
  type    = string
  default = "web"
}
locals {
  parts = split(",", "a,b,c")
  tags  = merge({ a = "1" }, { b = "2" })
  up    = [for p in local.parts : upper(p) if p != "b"]
}
source "null" "x" {
  ssh_host     = "127.0.0.1"
  ssh_username = "u"
  ssh_password = "p"
}
build {
  sources = ["source.null.x"]
  provisioner "shell" {
    inline = [
      "\${var.name}-\${local.parts[2]} \\"q\\" $\${HOME}",
      join("+", local.up),
      lookup(local.tags, "b", "none"),
      coalesce("", "second"),
      replace("a.b.c", ".", "/"),
      regex_replace("v1.2.3", "[0-9]+", "N"),
      formatdate("YYYY-MM-DD hh:mm:ss", "2024-02-03T04:05:06Z"),
      trimspace("  x  "),
      basename("/a/b/c.txt"),
      sha256("abc"),
      base64encode("hi"),
      length(concat(["a"], ["b", "c"])) > 2 ? "long" : "short",
      <<-EOT
        line1 %{ if var.name == "web" }web%{ else }other%{ endif }
          %{~ for i, p in local.parts ~}
        \${i}=\${p}
        %{~ endfor ~}
      EOT
      ,
      "\${source.name} \${build.Host}",
      templatefile("greet.tpl", { who = var.name, items = ["x", "y"] }),
    ]
  }
}
`
    writeFileSync(join(dir, 'greet.tpl'), 'hello ${who}: %{ for i in items }${i},%{ endfor }\n')
    expect(await inline('f.pkr.hcl', t, { name: 'web' })).toEqual([
      'web-c "q" ${HOME}',
      'A+C',
      '2',
      'second',
      'a/b/c',
      'vN.N.N',
      '2024-02-03 04:05:06',
      'x',
      'c.txt',
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      'aGk=',
      'long',
      'line1 web0=a1=b2=c',
      '{{ .BuildName }} {{ .Host }}',
      'hello web: x,y,\n',
    ])
  })
})
