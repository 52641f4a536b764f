// Our vim25 client against the simulator: login, faults, the property collector, inventory
// paths, task waits; the password appears in no error.
import { VimClient, VimFault } from '@tsimg/builder-vsphere/vim'
import { apiCodeOf, errorClassOf } from '@tsimg/cloud-kit'
import { describe, expect, it } from 'vitest'
import { SOURCE_VM, useSim } from './support.js'

const signal = () => AbortSignal.timeout(30_000)

describe('vim25 client against vcsim', () => {
  const s = useSim('client')

  it('a wrong password is an InvalidLogin fault (permanent, not retried) whose message holds no password', async () => {
    const wrong = 'not-the-password-1234'
    const err = await VimClient.connect({ server: s.sim.server, username: s.sim.username, password: wrong, insecure: true, signal: signal() }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(apiCodeOf(err)).toBe('InvalidLogin')
    expect(errorClassOf(err)).toBe('permanent')
    expect(String((err as Error).message)).not.toContain(wrong)
    expect((await s.sim.calls()).calls.filter((m) => m === 'Login').length).toBe(1)
  })

  it("verifies the certificate unless insecure: the simulator's self-signed one is refused", async () => {
    const err = await VimClient.connect({
      server: s.sim.server,
      username: s.sim.username,
      password: s.sim.password,
      insecure: false,
      signal: signal(),
      attempts: 1,
    }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(String((err as Error).message)).toMatch(/certificate|self.signed|SELF_SIGNED|unable to verify/i)
  })

  it('finds by inventory path, reads properties, lists by container view, and returns undefined for a missing path', async () => {
    const c = await s.client()
    const vm = await c.findByPath(`DC0/vm/${SOURCE_VM}`, signal())
    expect(vm?.type).toBe('VirtualMachine')
    expect(await c.pathOf(vm!, signal())).toBe(`DC0/vm/${SOURCE_VM}`)
    const p = await c.get(vm!, ['name', 'runtime.powerState', 'config.hardware.numCPU'], signal())
    expect(p?.string('name')).toBe(SOURCE_VM)
    expect(p?.string('runtime.powerState')).toMatch(/^powered(On|Off)$/)
    expect(await c.findByPath('DC0/vm/no-such-vm', signal())).toBeUndefined()
    const names = [...(await c.all('VirtualMachine', ['name'], signal())).values()].map((x) => x.string('name'))
    expect(names).toContain(SOURCE_VM)
    expect(instanceUuid(c)).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('waits for a task through WaitForUpdatesEx, and a task error is a VimFault with the fault type', async () => {
    const c = await s.client()
    const vm = (await c.findByPath(`DC0/vm/${SOURCE_VM}`, signal()))!
    const folder = (await c.findByPath('DC0/vm', signal()))!
    const pool = (await c.findByPath('DC0/host/DC0_C0/Resources', signal()))!
    const result = await c.task(
      'CloneVM_Task',
      vm,
      { folder, name: 'client-test-clone', spec: { location: { pool }, template: false, powerOn: false } },
      { signal: signal() },
    )
    expect((result as { type?: string }).type).toBe('VirtualMachine')
    // A customization for three NICs on a one-NIC clone: the task fails with NicSettingMismatch.
    const nic = { adapter: { ip: { $type: 'CustomizationDhcpIpGenerator' } } }
    const spec = {
      identity: { $type: 'CustomizationLinuxPrep', hostName: { $type: 'CustomizationVirtualMachineName' }, domain: 'x' },
      globalIPSettings: {},
      nicSettingMap: [nic, nic, nic],
    }
    const err = await c.task('CustomizeVM_Task', result as never, { spec }, { signal: signal() }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(VimFault)
    expect((err as VimFault).fault).toBe('NicSettingMismatch')
    await c.task('Destroy_Task', result as never, {}, { signal: signal() })
    expect(await c.findByPath('DC0/vm/client-test-clone', signal())).toBeUndefined()
  })

  it('an injected SOAP fault on a call is read as its type; a transient one is retried', async () => {
    const c = await s.client()
    const vm = (await c.findByPath(`DC0/vm/${SOURCE_VM}`, signal()))!
    await s.sim.fault('PowerOffVM_Task', 'InvalidPowerState')
    const err = await c.call('PowerOffVM_Task', vm, {}, { signal: signal() }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(apiCodeOf(err)).toBe('InvalidPowerState')
    await s.sim.fault('RetrievePropertiesEx', 'SystemError', 2)
    expect((await c.get(vm, ['name'], signal()))?.string('name')).toBe(SOURCE_VM)
  })

  it('a request that gets no answer within its bound is a network timeout and is sent again', async () => {
    const c = await VimClient.connect({
      server: s.sim.server,
      username: s.sim.username,
      password: s.sim.password,
      insecure: true,
      signal: signal(),
      requestTimeoutMs: 300,
    })
    try {
      const vm = (await c.findByPath(`DC0/vm/${SOURCE_VM}`, signal()))!
      const earlier = (await s.sim.calls()).calls.length
      // The first RetrievePropertiesEx is held past the bound; the resent one is answered.
      await s.sim.hold('RetrievePropertiesEx')
      expect((await c.get(vm, ['name'], signal()))?.string('name')).toBe(SOURCE_VM)
      expect((await s.sim.calls()).calls.slice(earlier).filter((m) => m === 'RetrievePropertiesEx')).toHaveLength(2)
    } finally {
      await s.sim.release()
      await c.logout()
    }
  })
})

function instanceUuid(c: VimClient): string {
  return c.instanceUuid
}
