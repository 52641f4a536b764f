// vsphere-iso with a guest that answers SSH: the simulator runs no installer, so the "installed"
// OS is a container the simulator starts for the VM (RUN.container, as the clone tests use), and
// its IP is given by a guest customization the test applies while the build waits at power-on
// (vCenter would learn it from VMware Tools in the installed OS). Everything after that is the
// build's own: IP wait, SSH, the provisioner, shutdown, template.
import { vsphereIso } from '@tsimg/builder-vsphere'
import { describe, expect, it } from 'vitest'
import { customizationSpec } from '../dist/clone/steps.js'
import { runSourceBuild } from '../../../test/support/cloud-build.js'
import { containerArgs } from '../../../test/support/vcsim.js'
import { shell } from '@tsimg/provisioner-shell'
import { cleanupErrors, inventory, journalFiles, labelledContainers, newGuest, readFromContainer, useSim } from './support.js'

describe('vsphereIso with a container-backed guest', () => {
  const s = useSim('iso-guest')

  it('waits for the IP, provisions over SSH inside the guest and makes the template', async () => {
    const c = await s.client()
    const before = await inventory(c)
    const g = await newGuest(s)
    const vmName = `isoguest-${g.label}`
    await s.sim.hold('PowerOnVM_Task')
    const building = runSourceBuild(
      vsphereIso({
        name: 'test',
        vcenterServer: s.sim.server,
        username: s.sim.username,
        password: s.sim.password,
        insecureConnection: true,
        cluster: 'DC0_C0',
        datastore: 'LocalDS_0',
        vmName,
        guestOsType: 'centos7_64Guest',
        storage: [{ diskSize: 1024, diskThinProvisioned: true }],
        networkAdapters: [{ network: 'VM Network', networkCard: 'vmxnet3' }],
        isoPaths: ['[LocalDS_0] iso/base.iso'],
        configurationParameters: { 'RUN.container': containerArgs(g) },
        bootWait: '0s',
        bootCommand: ['<tab> text ks=hd:fd0:/ks.cfg<enter>'],
        bootKeygroupInterval: '1ms',
        ipSettleTimeout: '0s',
        ipWaitTimeout: '40s',
        sshUsername: 'root',
        sshPassword: g.rootPassword,
        sshPort: g.port,
        sshTimeout: '40s',
        convertToTemplate: true,
      }),
      { stateDir: s.stateDir, provisioners: [shell({ inline: ['echo "made by tsimg on vsphere" > /etc/tsimg-marker'] })] },
    )
    await Promise.race([s.sim.held('PowerOnVM_Task'), building.then((r) => Promise.reject(new Error(`ended early: ${r.summary.error?.message}`)))])
    const vm = (await inventory(c)).get(vmName)!
    await c.task(
      'CustomizeVM_Task',
      { $ref: true, type: 'VirtualMachine', value: vm.moref },
      {
        spec: customizationSpec({
          networkInterface: [{ ipv4Address: g.ip, ipv4Netmask: 8, dnsServerList: [] }],
          dnsServerList: [],
          dnsSuffixList: [],
          linuxOptions: { hostName: 'iso', hwClockUtc: true },
        }),
      },
      { signal: AbortSignal.timeout(30_000) },
    )
    await s.sim.release()
    const r = await building
    expect(r.summary.error?.message, r.text.slice(-3000)).toBeUndefined()
    expect(r.text).toContain(`IP address: ${g.ip}`)
    const [container] = await labelledContainers(g.label)
    expect(container).toBeDefined()
    expect(await readFromContainer(container!, '/etc/tsimg-marker')).toContain('made by tsimg on vsphere')
    const after = await inventory(c)
    expect(after.get(vmName)?.template).toBe(true)
    expect([...after.keys()].sort()).toEqual([...before.keys(), vmName].sort())
    expect(cleanupErrors(r.events)).toEqual([])
    expect(await journalFiles(s.stateDir)).toEqual([])
    for (const t of [r.text]) {
      expect(t).not.toContain(s.sim.password)
      expect(t).not.toContain(g.rootPassword)
    }
  })
})
