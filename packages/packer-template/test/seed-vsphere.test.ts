import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { packer, tsimgSync } from './support/packer.js'

const fixture = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'seed-003')

// Seed 003: builder.json (vsphere-iso + vsphere-clone) whose every option comes from three
// var-files and -var, run with the article's command line (its Makefile's PACKER_VARS), by
// tsimg and by Packer 1.6.6 on the same input. Nothing is built (validate, inspect, convert).
describe('seed 003 (vSphere, JSON with three var-files)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsimg-seed-003-'))
  cpSync(fixture, dir, { recursive: true })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const password = 'Vc-Pass-7f3a9c'
  const vars = (os: string) => [
    '-var',
    `ova_name=k3s-${os}-c4ca93f`,
    '-var',
    'release_version=c4ca93f',
    '-var',
    'ovf_template=./scripts/ovf_template.xml',
    '-var',
    `template=base-os-${os}`,
    '-var',
    'username=administrator@vsphere.local',
    '-var',
    `password=${password}`,
    '-var',
    'vcenter_server=vcenter.example.test',
    '-var',
    `build_name=k3s-${os}`,
    '-var',
    `output_dir=./output/k3s-${os}-c4ca93f`,
  ]
  const varFiles = (os: string) => ['-var-file=packer/vcenter.json', `-var-file=packer/${os}.json`, '-var-file=packer/common.json']

  it.each([
    ['centos7', 'vsphere-clone'],
    ['photon3', 'vsphere-clone'],
    ['centos7', 'vsphere-iso-base'],
    ['photon3', 'vsphere-iso-base'],
  ])('%s -only %s: tsimg validate and packer validate both accept the article’s command line', (os, only) => {
    const args = ['validate', ...vars(os), '-only', only, ...varFiles(os), 'packer/builder.json']
    const p = packer(args, dir)
    const t = tsimgSync(args, dir)
    expect(p.code, p.out).toBe(0)
    expect(t.code, t.out).toBe(0)
    expect(t.out).toContain('The configuration is valid.')
    expect(t.out).not.toContain(password)
  })

  it('without the var-files both refuse it, at the empty boot_wait', () => {
    const p = packer(['validate', 'packer/builder.json'], dir)
    const t = tsimgSync(['validate', 'packer/builder.json'], dir)
    expect(p.code).not.toBe(0)
    expect(p.out).toContain("error decoding 'boot_wait'")
    expect(t.code).toBe(2)
    expect(t.out).toMatch(/builder\.json:\d+: builders\[0\] \(vsphere-iso\)\.boot_wait: expected a duration/)
  })

  it('inspect lists the same builds and provisioners as packer inspect, and hides the vCenter password', () => {
    const p = packer(['inspect', 'packer/builder.json'], dir)
    expect(p.code, p.out).toBe(0)
    const t = tsimgSync(['inspect', ...vars('photon3'), ...varFiles('photon3'), 'packer/builder.json'], dir)
    expect(t.code, t.out).toBe(0)
    // Packer: "vsphere-clone" and "vsphere-iso-base (vsphere-iso)"; tsimg lists the build names.
    const packerBuilds = [...p.out.matchAll(/^ {2}(\S+)(?: \(([\w-]+)\))?\s*$/gm)].map((m) => m[1]).filter((n) => n!.startsWith('vsphere'))
    const tsimgBuilds = /> sources:\n\n([\s\S]*?)\n\n/
      .exec(t.out)![1]!
      .split('\n')
      .map((l) => l.trim())
    expect([...tsimgBuilds].sort()).toEqual([...packerBuilds].sort())
    const packerProvisioners = /Provisioners:\n\n([\s\S]*?)\n\n/
      .exec(p.out)![1]!
      .split('\n')
      .map((l) => l.trim())
    const tsimgProvisioners = /> provisioners:\n\n([\s\S]*?)\n\n/
      .exec(t.out)![1]!
      .split('\n')
      .map((l) => l.trim().split(':')[0])
    expect(tsimgProvisioners).toEqual(packerProvisioners)
    expect(t.out).toMatch(/> post-processors:\n\n\s+manifest\n\s+shell-local/)
    expect(t.out).toContain('var.password: <sensitive>')
    expect(t.out).not.toContain(password)
  })

  it('converts to an image.ts that type-checks and validates with the same var-files, both builders and -only', () => {
    const c = tsimgSync(['convert', 'packer/builder.json', '-o', 'packer/image.ts'], dir)
    expect(c.code, c.out).toBe(0)
    const ts = readFileSync(join(dir, 'packer', 'image.ts'), 'utf8')
    expect(ts).toContain("from '@tsimg/builder-vsphere'")
    expect(ts).toMatch(/vsphereIso\(/)
    expect(ts).toMatch(/vsphereClone\(/)
    // A Packer JSON variable is a string: converted code reads it as Packer's decoding does.
    expect(ts).toContain('cpus: packerJson.number(vars.cpu)')
    expect(ts).toContain('convertToTemplate: packerJson.bool(vars.convert_to_template)')
    // The image.ts declares the variables builder.json uses; -var and var-file values of the
    // others (ova_name, read only inside common.json's values) are kept for {{user}}, as Packer
    // JSON keeps them: the article's own command line works on the image.ts too.
    expect(ts).toContain('keepUndeclaredVarFileValues: true,')
    const articleVars = vars('photon3')
    for (const only of ['vsphere-clone', 'vsphere-iso-base']) {
      const v = tsimgSync(['validate', ...articleVars, '-only', only, ...varFiles('photon3'), 'packer/image.ts'], dir)
      expect(v.code, v.out).toBe(0)
      expect(v.out).not.toContain(password)
    }
    // A var-file value holding {{user `x`}} (common.json's base_build_version) is rendered in
    // the image.ts as Packer renders it (renderVariables: packerJson.render), not passed on as text.
    expect(ts).toContain('renderVariables: packerJson.render,')
    const i = tsimgSync(['inspect', ...articleVars, ...varFiles('photon3'), 'packer/image.ts'], dir)
    expect(i.code, i.out).toBe(0)
    expect(i.out).toContain('var.base_build_version: "base-os-photon3"')
    expect(i.out).toContain('var.build_version: "k3s-photon3-c4ca93f"')
    expect(i.out).not.toContain('{{user')
  })
})
