// The `tsimg` CLI on a Packer JSON template with a vsphere-clone builder against the simulator:
// the build makes the template; a build killed with SIGKILL while provisioning leaves its clone
// and journal, and `tsimg cleanup` (with the vCenter login in VSPHERE_USER / VSPHERE_PASSWORD)
// deletes them: 0 left.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { VimClient } from '@tsimg/builder-vsphere/vim'
import { inventory, journalFiles, labelledContainers, newGuest, packerTemplate, readFromContainer, useSim, type Guest } from './support.js'
import { destroyVm, killOnOutput, sweep, tsimg, vcenterLogin } from './support/cli.js'

/**
 * What a build of packerTemplate made: the provisioner's file inside the guest's container, and
 * the clone as a template, the only VM added to the inventory; then the template is destroyed.
 */
async function expectTemplateMade(c: VimClient, g: Guest, before: Map<string, unknown>): Promise<void> {
  const [id] = await labelledContainers(g.label)
  expect(await readFromContainer(id!, '/etc/tsimg-marker')).toBe('made by a packer template\n')
  const after = await inventory(c)
  expect(after.get(`tsimg-${g.label}`)?.template).toBe(true)
  expect([...after.keys()].sort()).toEqual([...before.keys(), `tsimg-${g.label}`].sort())
  await destroyVm(c, after.get(`tsimg-${g.label}`)!.moref)
}

/** packerTemplate whose provisioner says it started, then sleeps: the build is killed there. */
const slowProvisioning = [{ type: 'shell', inline: ['echo provisioning-started', 'sleep 300'] }]

describe('tsimg CLI with a Packer vsphere-clone template', () => {
  const s = useSim('cli')
  const env = (g: Guest, stateDir: string) => ({ env: { TSIMG_STATE_DIR: stateDir, VSPHERE_PASSWORD: s.sim.password, GUEST_PASSWORD: g.rootPassword } })

  it('tsimg build runs the JSON template unchanged: the provisioner writes inside the container and the clone becomes a template', async () => {
    const c = await s.client()
    const before = await inventory(c)
    const g = await newGuest(s)
    const dir = await mkdtemp(join(tmpdir(), 'tsimg-vsphere-cli-'))
    try {
      await writeFile(join(dir, 'builder.json'), JSON.stringify(packerTemplate(s.sim, g), null, 2))
      const r = await tsimg(['build', join(dir, 'builder.json')], env(g, dir))
      expect(r.code, r.out).toBe(0)
      expect(r.out).not.toContain(s.sim.password)
      expect(r.out).not.toContain(g.rootPassword)
      await expectTemplateMade(c, g, before)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('tsimg convert writes an image.ts with vsphereClone from the JSON template, and tsimg build of it makes the same template', async () => {
    const c = await s.client()
    const before = await inventory(c)
    const g = await newGuest(s)
    const dir = await mkdtemp(join(tmpdir(), 'tsimg-vsphere-convert-'))
    try {
      await writeFile(join(dir, 'builder.json'), JSON.stringify(packerTemplate(s.sim, g), null, 2))
      const conv = await tsimg(['convert', '-o', join(dir, 'image.ts'), join(dir, 'builder.json')], env(g, dir))
      expect(conv.code, conv.out).toBe(0)
      const ts = await readFile(join(dir, 'image.ts'), 'utf8')
      expect(ts).toContain("from '@tsimg/builder-vsphere'")
      expect(ts).toMatch(/vsphereClone\(/)
      expect(ts).not.toContain(s.sim.password)
      const r = await tsimg(['build', join(dir, 'image.ts')], env(g, dir))
      expect(r.code, r.out).toBe(0)
      await expectTemplateMade(c, g, before)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('an HCL2 vsphere-clone source validates; an option tsimg does not carry out yet (content_library_destination) is an error naming the file, line and option, before anything is created', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsimg-vsphere-hcl-'))
    const g = await newGuest(s)
    try {
      const hcl = [
        'variable "vcenter_password" {',
        '  type      = string',
        '  sensitive = true',
        '  default   = env("VSPHERE_PASSWORD")',
        '}',
        'source "vsphere-clone" "web" {',
        `  vcenter_server      = "${s.sim.server}"`,
        `  username            = "${s.sim.username}"`,
        '  password            = var.vcenter_password',
        '  insecure_connection = true',
        '  cluster             = "DC0_C0"',
        '  template            = "DC0_C0_RP0_VM0"',
        '  CPUs                = 2',
        '  RAM                 = 2048',
        '  customize {',
        '    linux_options {',
        '      host_name = "web"',
        '      domain    = "lan"',
        '    }',
        '    network_interface {',
        '      ipv4_address = "10.0.0.20"',
        '      ipv4_netmask = 24',
        '    }',
        '  }',
        '  ssh_username        = "root"',
        '  convert_to_template = true',
        '}',
        'build {',
        '  sources = ["source.vsphere-clone.web"]',
        '}',
      ]
      await writeFile(join(dir, 'web.pkr.hcl'), hcl.join('\n') + '\n')
      const ok = await tsimg(['validate', join(dir, 'web.pkr.hcl')], env(g, dir))
      expect(ok.code, ok.out).toBe(0)
      const withLibrary = [...hcl.slice(0, 26), '  content_library_destination {', '    library = "images"', '  }', ...hcl.slice(26)]
      await writeFile(join(dir, 'web.pkr.hcl'), withLibrary.join('\n') + '\n')
      const refused = await tsimg(['validate', join(dir, 'web.pkr.hcl')], env(g, dir))
      expect(refused.code).not.toBe(0)
      expect(refused.out).toMatch(/web\.pkr\.hcl:27/)
      expect(refused.out).toMatch(/content_library_destination/)
      expect(refused.out).toMatch(/not supported yet/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('kill -9 while provisioning leaves the clone and its journal; tsimg cleanup without a vCenter login names what it read, with one destroys it: nothing left', async () => {
    const c = await s.client()
    const before = await inventory(c)
    const g = await newGuest(s)
    const dir = await mkdtemp(join(tmpdir(), 'tsimg-vsphere-kill-'))
    try {
      await writeFile(join(dir, 'builder.json'), JSON.stringify(packerTemplate(s.sim, g, slowProvisioning), null, 2))
      const killed = await tsimg(['build', join(dir, 'builder.json')], { ...env(g, dir), onOutput: killOnOutput('provisioning-started') })
      expect(killed.code).toBeNull()
      // The clone is there (running, in its container) and journaled.
      expect((await inventory(c)).has(`tsimg-${g.label}`)).toBe(true)
      expect(await labelledContainers(g.label)).toHaveLength(1)
      expect(await journalFiles(dir)).not.toEqual([])

      // Without a vCenter login in the environment cleanup says which variables it read, and deletes nothing.
      const bare = { ...process.env }
      for (const k of ['VSPHERE_USER', 'VSPHERE_PASSWORD', 'GOVC_USERNAME', 'GOVC_PASSWORD']) delete bare[k]
      const noCreds = await tsimg(['cleanup'], { env: { ...bare, TSIMG_STATE_DIR: dir }, bare: true })
      expect(noCreds.code).not.toBe(0)
      expect(noCreds.out).toMatch(/VSPHERE_USER: not set, VSPHERE_PASSWORD: not set/)
      expect((await inventory(c)).has(`tsimg-${g.label}`)).toBe(true)

      const cleanup = await tsimg(['cleanup'], { env: { TSIMG_STATE_DIR: dir, ...vcenterLogin(s) } })
      expect(cleanup.code, cleanup.out).toBe(0)
      expect(cleanup.out).not.toContain(s.sim.password)
      expect([...(await inventory(c)).keys()].sort()).toEqual([...before.keys()].sort())
      expect(await labelledContainers(g.label)).toEqual([])
      expect(await journalFiles(dir)).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it("tsimg cleanup --sweep --cloud vsphere destroys a killed build's clone whose journal is gone, and keeps the templates builds made and the VMs tsimg did not make", async () => {
    const c = await s.client()
    const keptGuest = await newGuest(s)
    const keptDir = await mkdtemp(join(tmpdir(), 'tsimg-vsphere-kept-'))
    const g = await newGuest(s)
    const dir = await mkdtemp(join(tmpdir(), 'tsimg-vsphere-sweep-'))
    try {
      // A template a build made and kept.
      await writeFile(join(keptDir, 'builder.json'), JSON.stringify(packerTemplate(s.sim, keptGuest), null, 2))
      expect((await tsimg(['build', join(keptDir, 'builder.json')], env(keptGuest, keptDir))).code).toBe(0)
      const before = await inventory(c)
      // A build killed while provisioning, whose state directory is then lost (a CI runner gone).
      await writeFile(join(dir, 'builder.json'), JSON.stringify(packerTemplate(s.sim, g, slowProvisioning), null, 2))
      const killed = await tsimg(['build', join(dir, 'builder.json')], { ...env(g, dir), onOutput: killOnOutput('provisioning-started') })
      expect(killed.code).toBeNull()
      await rm(join(dir, 'journal'), { recursive: true, force: true })
      expect((await inventory(c)).has(`tsimg-${g.label}`)).toBe(true)

      const swept = await sweep(s, dir)
      expect(swept.code, swept.out).toBe(0)
      expect(swept.out).toContain(`tsimg-${g.label}`)
      expect(swept.out).not.toContain(s.sim.password)
      // The leftover is gone; the kept template and the simulator's own VMs are all still there.
      expect([...(await inventory(c)).keys()].sort()).toEqual([...before.keys()].sort())
      expect(await labelledContainers(g.label)).toEqual([])
      const kept = before.get(`tsimg-${keptGuest.label}`)!
      expect(kept.template).toBe(true)
      await destroyVm(c, kept.moref)
    } finally {
      await rm(dir, { recursive: true, force: true })
      await rm(keptDir, { recursive: true, force: true })
    }
  })
})
