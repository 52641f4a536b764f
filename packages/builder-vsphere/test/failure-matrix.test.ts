// A failure at each step of vsphere-clone (a SOAP fault the simulator answers, a timeout, a
// failing provisioner) leaves no VM, no container and no journal, and names the step.
import { shell } from '@tsimg/provisioner-shell'
import { afterEach, describe, expect, it } from 'vitest'
import type { VsphereCloneInput } from '@tsimg/builder-vsphere'
import { cloneSource, expectNothingLeft, failedStep, inventory, newGuest, runBuild, useSim } from './support.js'

interface Row {
  step: string
  /** The SOAP method that answers a fault, and the fault's type. */
  fault?: [method: string, fault: string]
  over?: Partial<VsphereCloneInput>
  failingProvisioner?: boolean
  /** What the build's error says. */
  error: RegExp
}

const rows: Row[] = [
  { step: 'vsphere:connect', over: { password: 'wrong-password-of-the-row' }, error: /InvalidLogin/ },
  { step: 'vsphere:clone', over: { template: 'no-such-template' }, error: /VM 'no-such-template' not found/ },
  { step: 'vsphere:clone', fault: ['CloneVM_Task', 'InsufficientResourcesFault'], error: /InsufficientResourcesFault/ },
  // Once the clone exists: its custom attribute cannot be set.
  { step: 'vsphere:clone', fault: ['SetField', 'InvalidArgument'], error: /InvalidArgument/ },
  { step: 'vsphere:configure-hardware', fault: ['ReconfigVM_Task', 'InvalidState'], over: { cpus: 2 }, error: /InvalidState/ },
  { step: 'vsphere:configuration-parameters', fault: ['ReconfigVM_Task', 'InvalidState'], error: /InvalidState/ },
  { step: 'vsphere:customize', fault: ['CustomizeVM_Task', 'CustomizationFault'], error: /CustomizationFault/ },
  { step: 'vsphere:power-on', fault: ['PowerOnVM_Task', 'InsufficientResourcesFault'], error: /InsufficientResourcesFault/ },
  // No customization: the simulator reports no guest IP, so the wait runs out.
  { step: 'vsphere:wait-ip', over: { customize: undefined, ipWaitTimeout: '2s' }, error: /ipWaitTimeout/ },
  { step: 'ssh:connect', over: { sshPassword: 'not-the-root-password', sshTimeout: '3s' }, error: /ssh|SSH/ },
  { step: 'provision', failingProvisioner: true, error: /exit|status 3/ },
  { step: 'vsphere:shutdown', fault: ['ShutdownGuest', 'ToolsUnavailable'], error: /ToolsUnavailable/ },
  // The shutdown_command runs, but the simulator never sees a container VM power itself off.
  { step: 'vsphere:shutdown', over: { shutdownCommand: 'touch /tmp/shutdown-ran', shutdownTimeout: '2s' }, error: /shutdownTimeout/ },
  { step: 'vsphere:keep', fault: ['MarkAsTemplate', 'InvalidState'], over: { convertToTemplate: true }, error: /InvalidState/ },
]

describe('a failure at each vsphere-clone step leaves nothing behind', () => {
  const s = useSim('failure')
  afterEach(() => s.sim.clearFaults())

  it.each(rows.map((r) => [`${r.step}${r.fault ? ` (${r.fault[0]} answers ${r.fault[1]})` : ''}`, r] as const))('fails in %s', async (_, row) => {
    const c = await s.client()
    const before = await inventory(c)
    const g = await newGuest(s)
    if (row.fault) await s.sim.fault(row.fault[0], row.fault[1])
    const r = await runBuild(cloneSource(s.sim, g, row.over), {
      stateDir: s.stateDir,
      ...(row.failingProvisioner && { provisioners: [shell({ inline: ['echo breaking; exit 3'] })] }),
    })
    expect(r.summary.outcome).toBe('failed')
    expect(failedStep(r.events)).toBe(row.step)
    expect(r.summary.error?.message).toMatch(row.error)
    await expectNothingLeft(s, g, r, before)
  })

  it('a CloneVM_Task whose answer is lost is not sent again: the clone it made is found by path and build id and destroyed', async () => {
    const c = await s.client()
    const before = await inventory(c)
    const g = await newGuest(s)
    const earlier = (await s.sim.calls()).calls.length
    await s.sim.drop('CloneVM_Task')
    const r = await runBuild(cloneSource(s.sim, g), { stateDir: s.stateDir })
    expect(r.summary.outcome).toBe('failed')
    expect(failedStep(r.events)).toBe('vsphere:clone')
    const calls = (await s.sim.calls()).calls.slice(earlier)
    expect(calls.filter((m) => m === 'CloneVM_Task')).toHaveLength(1)
    // The clone existed (found by FindByInventoryPath) and was destroyed.
    expect(calls.slice(calls.indexOf('CloneVM_Task'))).toContain('Destroy_Task')
    await expectNothingLeft(s, g, r, before)
  })
})
