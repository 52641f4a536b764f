// A cancel (the library's AbortSignal, what Ctrl-C fires in the CLI) at each step of
// vsphere-clone leaves no VM, no container and no journal. Where a row names a SOAP method, the
// simulator holds that call and the cancel is issued once it is held, so it lands inside the
// step however quick the step is; the other rows cancel as their step starts. Every row checks
// that its step was the last one started.
import { shell } from '@tsimg/provisioner-shell'
import { afterEach, describe, expect, it } from 'vitest'
import type { VsphereCloneInput } from '@tsimg/builder-vsphere'
import { cancelIn, cancelRowsTitled, cloneSource, expectNothingLeft, inventory, newGuest, runBuild, useSim, type CancelAt } from './support.js'

interface Row extends CancelAt {
  over?: Partial<VsphereCloneInput>
  slowProvisioner?: boolean
}

const rows: Row[] = [
  { step: 'vsphere:connect', hold: 'Login' },
  { step: 'vsphere:clone', hold: 'CloneVM_Task' },
  { step: 'vsphere:configure-hardware', hold: 'ReconfigVM_Task', over: { cpus: 2 } },
  { step: 'vsphere:configuration-parameters', hold: 'ReconfigVM_Task' },
  { step: 'vsphere:customize', hold: 'CustomizeVM_Task' },
  { step: 'vsphere:power-on', hold: 'PowerOnVM_Task' },
  { step: 'vsphere:wait-ip', over: { customize: undefined } },
  { step: 'ssh:connect' },
  { step: 'provision', slowProvisioner: true },
  { step: 'vsphere:shutdown', hold: 'ShutdownGuest' },
  { step: 'vsphere:keep', hold: 'MarkAsTemplate', over: { convertToTemplate: true } },
]

describe('a cancel at each vsphere-clone step leaves nothing behind', () => {
  const s = useSim('cancel')
  afterEach(async () => {
    await s.sim.release()
    await s.sim.clearFaults()
  })

  it.each(cancelRowsTitled(rows))('cancelled in %s', async (_, row) => {
    const c = await s.client()
    const before = await inventory(c)
    const g = await newGuest(s)
    const { signal, onEvent, started } = await cancelIn(s, row)
    const r = await runBuild(cloneSource(s.sim, g, row.over), {
      stateDir: s.stateDir,
      signal,
      onEvent,
      ...(row.slowProvisioner && { provisioners: [shell({ inline: ['sleep 60'] })] }),
    })
    expect(r.summary.outcome).toBe('cancelled')
    expect(started.at(-1)).toBe(row.step)
    await expectNothingLeft(s, g, r, before)
  })
})
