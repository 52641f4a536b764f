// Seed 003's vsphere-clone build, run unchanged (builder.json, vcenter.json, centos7.json,
// common.json, -only vsphere-clone, the article's -var list) by the tsimg CLI against the
// simulator, with its file and shell provisioners, export, manifest and shell-local (OVA)
// post-processors. Only -var values point it at the simulator. What the simulator cannot do
// the test does while the build waits at power-on, as vSphere and the guest OS would: it gives
// the clone a container to run (RUN.container) and its IP (a guest customization), and it puts
// a disk where the clone's disk points (the simulator keeps no disk contents); when the
// shutdown command has run it powers the VM off (a container stopping is not seen by it).
import { spawn, type ChildProcess } from 'node:child_process'
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { customizationSpec } from '../dist/clone/steps.js'
import { uploadFile } from '../dist/iso/datastore.js'
import { containerArgs, loopbackAddress } from '../../../test/support/vcsim.js'
import { configSpec } from '../dist/steps-common.js'
import { extraConfig } from '../dist/vm.js'
import { inventory, journalFiles, labelledContainers, readFromContainer, SOURCE_VM, useSim } from './support.js'

const ROOT = resolve(import.meta.dirname, '../../..')
const CLI = join(ROOT, 'packages/core/bin/tsimg.js')
const FIXTURE = join(ROOT, 'packages/packer-template/test/fixtures/seed-003')

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  onOutput: (out: string, child: ChildProcess) => void,
): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const add = (d: Buffer) => {
      out += d.toString()
      onOutput(out, child)
    }
    child.stdout.on('data', add)
    child.stderr.on('data', add)
    child.on('exit', (code) => res({ code, out }))
  })
}

describe('seed 003 vsphere-clone against the simulator', () => {
  const s = useSim('seed003')

  it('builds with the article’s templates: provisioners ran in the guest, OVF exported, manifest and OVA written', async () => {
    const c = await s.client()
    const before = await inventory(c)
    const dir = await mkdtemp(join(tmpdir(), 'tsimg-seed003-build-'))
    const label = `seed003-${Math.random().toString(36).slice(2, 8)}`
    const ip = loopbackAddress()
    const vmName = `k3s-centos7-${label}`
    const out = join(dir, 'output', vmName)
    try {
      await cp(FIXTURE, dir, { recursive: true })
      const vars = [
        ...[
          'ova_name',
          vmName,
          'release_version',
          'c4ca93f',
          'ovf_template',
          './scripts/ovf_template.xml',
          'template',
          SOURCE_VM,
          'username',
          s.sim.username,
          'password',
          s.sim.password,
        ],
        ...['vcenter_server', s.sim.server, 'build_name', 'k3s-centos7', 'output_dir', out],
        // vcenter.json names the article's vCenter objects; these are the simulator's.
        ...['datacenter', 'DC0', 'cluster', 'DC0_C0', 'datastore', 'LocalDS_0', 'folder', '', 'resource_pool', '', 'linked_clone', 'false'],
      ]
      const args = ['build']
      for (let i = 0; i < vars.length; i += 2) args.push('-var', `${vars[i]}=${vars[i + 1]}`)
      args.push(
        '-only',
        'vsphere-clone',
        '-var-file=packer/vcenter.json',
        '-var-file=packer/centos7.json',
        '-var-file=packer/common.json',
        'packer/builder.json',
      )
      await s.sim.hold('PowerOnVM_Task')
      let step = 0
      const building = run(args, { TSIMG_STATE_DIR: join(dir, 'state') }, dir, (text) => {
        if (step === 1 && text.includes('Executing shutdown command')) {
          step = 2
          void (async () => {
            const vm = (await inventory(c)).get(vmName)!
            await c.task('PowerOffVM_Task', { $ref: true, type: 'VirtualMachine', value: vm.moref }, {}, { signal: AbortSignal.timeout(30_000) })
          })()
        }
      })
      await s.sim.held('PowerOnVM_Task')
      const vm = { $ref: true as const, type: 'VirtualMachine', value: (await inventory(c)).get(vmName)!.moref }
      const signal = AbortSignal.timeout(60_000)
      // The guest: sshd on ip:22 with common.json's root password, and its IP.
      const args2 = containerArgs({ ip, port: 22, rootPassword: 'password', label, group: s.group })
      await c.task('ReconfigVM_Task', vm, { spec: configSpec({ extraConfig: extraConfig({ 'RUN.container': args2 }) }) }, { signal })
      await c.task(
        'CustomizeVM_Task',
        vm,
        {
          spec: customizationSpec({
            networkInterface: [{ ipv4Address: ip, ipv4Netmask: 8, dnsServerList: [] }],
            dnsServerList: [],
            dnsSuffixList: [],
            linuxOptions: { hostName: 'k3s', hwClockUtc: true },
          }),
        },
        { signal },
      )
      // The disk the export reads.
      const hw = await c.get(vm, ['config.hardware'], signal)
      const disk = /"fileName":"\[LocalDS_0\] ([^"]+\.vmdk)"/.exec(JSON.stringify(hw?.raw('config.hardware')))![1]!
      const base = disk
        .split('/')
        .pop()!
        .replace(/\.vmdk$/, '')
      await writeFile(join(dir, 'desc'), `# Disk DescriptorFile\nversion=1\ncreateType="vmfs"\nRW 64 VMFS "${base}-flat.vmdk"\n`)
      await writeFile(join(dir, 'flat'), Buffer.alloc(32 * 1024, 7))
      await uploadFile(c, { datastore: 'LocalDS_0', path: disk, datacenterPath: 'DC0' }, join(dir, 'desc'), signal)
      await uploadFile(c, { datastore: 'LocalDS_0', path: disk.replace(/\.vmdk$/, '-flat.vmdk'), datacenterPath: 'DC0' }, join(dir, 'flat'), signal)
      step = 1
      await s.sim.release()
      const r = await building
      expect(r.code, r.out.slice(-4000)).toBe(0)
      expect(r.out).not.toContain(s.sim.password)
      // The provisioners ran inside the guest: scripts/ and resources/ copied, install.sh run
      // (INSECURE_REGISTRY is {{user `insecure_registry`}}, which no var-file sets: empty).
      const [container] = await labelledContainers(label)
      expect(await readFromContainer(container!, '/root/install-done')).toBe('registry=none\n')
      expect(await readFromContainer(container!, '/root/resources/README.md')).toContain('Manifests')
      // The export, the manifest post-processor and the shell-local OVA.
      const files = (await readdir(out)).sort()
      expect(files).toEqual([`${vmName}-disk1-flat.vmdk`, `${vmName}-disk1.vmdk`, `${vmName}.ova`, `${vmName}.ovf`, 'packer-manifest.json'].sort())
      const manifest = JSON.parse(await readFile(join(out, 'packer-manifest.json'), 'utf8'))
      expect(manifest.builds[0].custom_data).toMatchObject({
        build_type: 'node',
        cpu: '2',
        memory: '4096',
        distro_name: 'centos',
        vsphere_guest_os_type: 'centos7_64Guest',
      })
      expect(r.out).toContain(`wrote ${join(out, `${vmName}.ova`)}`)
      // The clone is the artifact (convert_to_template false, create_snapshot true); nothing else was added.
      const after = await inventory(c)
      expect([...after.keys()].sort()).toEqual([...before.keys(), vmName].sort())
      expect(await journalFiles(join(dir, 'state'))).toEqual([])
      await c.task('Destroy_Task', vm, {}, { signal: AbortSignal.timeout(30_000) })
    } finally {
      await s.sim.release()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
