// -only/-except pick the builds before anything is checked, as Packer 1.6.6 prepares only the
// builds it selects: compared with `packer validate` / `packer inspect` on the same files.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { packer, tsimgSync as tsimg } from './support/packer.js'

const dir = mkdtempSync(join(tmpdir(), 'tsimg-only-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const env = { TSIMG_STATE_DIR: join(dir, 'state') }

// vmware-iso: a Packer builder tsimg does not have, with none of its required options;
// vsphere-iso: one tsimg has, also without its required options; foo-bar: no one's builder.
const json = {
  builders: [
    { type: 'vmware-iso', name: 'vm' },
    { type: 'vsphere-iso', name: 'vs' },
    { type: 'null', communicator: 'none' },
  ],
  provisioners: [
    { type: 'shell-local', inline: ['echo vm'], only: ['vm'] },
    { type: 'shell-local', inline: ['echo all'], except: ['vs'] },
  ],
}
writeFileSync(join(dir, 't.json'), JSON.stringify(json, null, 2))
writeFileSync(
  join(dir, 'unknown.json'),
  JSON.stringify(
    {
      builders: [
        { type: 'foo-bar', name: 'x' },
        { type: 'null', communicator: 'none' },
      ],
    },
    null,
    2,
  ),
)
writeFileSync(
  join(dir, 't.pkr.hcl'),
  `source "vmware-iso" "vm" {}
source "vsphere-iso" "vs" {}
source "null" "n" {
  communicator = "none"
}
build {
  sources = ["source.vmware-iso.vm", "source.vsphere-iso.vs", "source.null.n"]
  provisioner "shell-local" {
    only   = ["vmware-iso.vm"]
    inline = ["echo vm"]
  }
}
`,
)

// Packer JSON's -except may name a post-processor; the chain goes on without it.
writeFileSync(
  join(dir, 'pp.json'),
  JSON.stringify(
    {
      builders: [{ type: 'null', communicator: 'none' }],
      'post-processors': [
        [
          { type: 'shell-local', name: 'local', inline: ['echo PP-local'] },
          { type: 'shell-local', name: 'other', inline: ['echo PP-other'] },
        ],
      ],
    },
    null,
    2,
  ),
)

writeFileSync(
  join(dir, 'wait.json'),
  JSON.stringify({
    variables: { w: '' },
    builders: [
      { type: 'vsphere-iso', name: 'vs', boot_wait: '{{user `w`}}' },
      { type: 'null', communicator: 'none' },
    ],
  }),
)

const both = (args: string[]) => ({ p: packer(args, dir, env), t: tsimg(args, dir, env) })
/** `inspect` of `file` by both: each exits 0 and lists the builder `name` (Packer with its `type`). */
function inspectedByBoth(file: string, name: string, type: string) {
  const i = both(['inspect', file])
  expect(i.p.code, i.p.out).toBe(0)
  expect(i.p.out).toMatch(new RegExp(`${name}\\s+\\(${type}\\)`))
  expect(i.t.code, i.t.out).toBe(0)
  expect(i.t.out).toMatch(new RegExp(`^ {4}${name}$`, 'm'))
  return i
}

describe('-only/-except select the builds before they are checked', { timeout: 300_000 }, () => {
  it('JSON: the builds left out are not checked (an unsupported builder, a supported one missing options), as packer validate', () => {
    for (const sel of [['-only=null'], ['-except=vm,vs'], ['-only=n*']]) {
      const { p, t } = both(['validate', ...sel, 't.json'])
      expect(p.code, `packer ${sel.join(' ')}: ${p.out}`).toBe(0)
      expect(t.code, `tsimg ${sel.join(' ')}: ${t.out}`).toBe(0)
      expect(t.out).toContain('builders[0] (vmware-iso): not selected by -only/-except: not checked')
    }
  })

  it('JSON: a selected build gets the full check, and without a selection the unsupported builder still refuses', () => {
    const all = both(['validate', 't.json'])
    expect(all.p.code, all.p.out).toBe(1)
    expect(all.t.code, all.t.out).toBe(2)
    expect(all.t.out).toContain('builder "vmware-iso" is not supported by tsimg')
    const vm = tsimg(['validate', '-only=vm', 't.json'], dir, env)
    expect(vm.code, vm.out).toBe(2)
    expect(vm.out).toContain('builder "vmware-iso" is not supported by tsimg')
    const vs = both(['validate', '-only=vs', 't.json'])
    expect(vs.p.code, vs.p.out).toBe(1)
    expect(vs.t.code, vs.t.out).toBe(2)
    expect(vs.t.out).toMatch(/builders\[1\] \(vsphere-iso\)/)
    expect(vs.t.out).not.toContain('vmware-iso" is not supported')
  })

  it('JSON: a builder type no one has is not looked up when left out; inspect lists it, as packer inspect', () => {
    const v = both(['validate', '-only=null', 'unknown.json'])
    expect(v.p.code, v.p.out).toBe(0)
    expect(v.t.code, v.t.out).toBe(0)
    const i = inspectedByBoth('unknown.json', 'x', 'foo-bar')
    expect(i.t.out).toContain('builder "foo-bar" is not supported by tsimg: listed only')
    // validate without a selection still refuses it
    expect(tsimg(['validate', 'unknown.json'], dir, env).code).toBe(2)
  })

  it('HCL2: source globs leave out the unsupported and the incomplete source', () => {
    const t = tsimg(['validate', '-only=null.*', 't.pkr.hcl'], dir, env)
    expect(t.code, t.out).toBe(0)
    expect(t.out).toContain('not selected by -only/-except: not checked')
    const e = tsimg(['validate', '-except=vmware-iso.vm,vsphere-iso.*', 't.pkr.hcl'], dir, env)
    expect(e.code, e.out).toBe(0)
    const all = tsimg(['validate', 't.pkr.hcl'], dir, env)
    expect(all.code, all.out).toBe(2)
    expect(all.out).toContain('builder "vmware-iso" is not supported by tsimg')
    const p = packer(['validate', '-only=null.*', 't.pkr.hcl'], dir, env)
    expect(p.code, p.out).toBe(0)
  })

  it('JSON: -except may name a post-processor, which the build skips, as packer build; a name that is nothing stays an error', () => {
    // the named one and the rest of its chain are skipped (Packer 1.6.6 stops reading the chain there)
    const first = both(['build', '-except=local', 'pp.json'])
    const second = both(['build', '-except=other', 'pp.json'])
    for (const r of [first.p, first.t, second.p, second.t]) expect(r.code, r.out).toBe(0)
    for (const r of [first.p, first.t]) expect(r.out).not.toMatch(/PP-local|PP-other/)
    for (const r of [second.p, second.t]) {
      expect(r.out).toContain('PP-local')
      expect(r.out).not.toContain('PP-other')
    }
    expect(first.t.out).toContain('skipped by -except')
    const typo = tsimg(['validate', '-except=lcoal', 'pp.json'], dir, env)
    expect(typo.code, typo.out).toBe(2)
    expect(typo.out).toContain('--except lcoal: matches no build')
  })

  it('inspect lists a builder whose options do not read yet, as packer inspect; validate still refuses it', () => {
    const i = inspectedByBoth('wait.json', 'vs', 'vsphere-iso')
    expect(i.t.out).toContain('boot_wait')
    const v = tsimg(['validate', '-only=vs', 'wait.json'], dir, env)
    expect(v.code, v.out).toBe(2)
    expect(v.out).toContain('boot_wait')
  })
})
