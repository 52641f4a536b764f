import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseBootCommand, typingPlan } from '../dist/iso/boot-command.js'
import { usbScanCodeSender } from '../dist/iso/keyboard.js'
import { typeBootCommand } from '../dist/iso/type-keys.js'
import { VimClient } from '../dist/vim/client.js'
import { startVcsim, type Vcsim } from '../../../test/support/vcsim.js'
import { recordedScanCodes } from './iso-support.js'

// The boot command typed into a VM of VMware's simulator. The simulator has no PutUsbScanCodes
// of its own; tsimg-vcsim's (scripts/vcsim/usb.go) decodes each call with govmomi's vim25 types
// and records it, which is what is compared here. No firmware or OS reads the keys.
describe('boot command over PutUsbScanCodes against the simulator', () => {
  let sim: Vcsim
  let client: VimClient
  const signal = new AbortController().signal
  beforeAll(async () => {
    sim = await startVcsim()
    client = await VimClient.connect({ server: sim.server, username: sim.username, password: sim.password, insecure: true, signal, attempts: 2 })
  })
  afterAll(async () => {
    await client?.logout()
    await sim?.stop()
  })

  async function vmsByState(): Promise<{ on: { type: string; value: string }; off?: { type: string; value: string } }> {
    const vms = await client.all('VirtualMachine', ['name', 'runtime.powerState'], signal)
    const list = [...vms.values()]
    const on = list.find((p) => p.string('runtime.powerState') === 'poweredOn')!
    return { on: on.self }
  }

  it('records exactly the key events the plan holds, in order, with Packer’s modifiers', async () => {
    const { on } = await vmsByState()
    await recordedScanCodes(sim, true)
    const command = '<esc><wait1ms> linux ks=http://10.0.0.1:8080/ks.cfg<leftCtrlOn>x<leftCtrlOff><enter>'
    const sent = await typeBootCommand(command, { put: usbScanCodeSender(client, on as never), signal, keyIntervalMs: 0, retryPauseMs: 0 })
    const plan = typingPlan(parseBootCommand(command)).flatMap((a) => (a.kind === 'key' ? [a.event] : []))
    expect(sent).toBe(plan.length)
    const recorded = (await recordedScanCodes(sim))[on.value] ?? []
    expect(recorded.map((e) => ({ usbHidCode: e.usbHidCode, leftControl: e.leftControl, leftAlt: e.leftAlt, leftShift: e.leftShift }))).toEqual(plan)
    // Spot checks against the HID table: Escape first, ':' shifted, Ctrl held on the last x.
    expect(recorded[0]!.usbHidCode).toBe((0x29 << 16) | 7)
    const colon = recorded.find((e) => e.usbHidCode === ((0x33 << 16) | 7) && e.leftShift)
    expect(colon).toBeDefined()
    const x = recorded.findLast((e) => e.usbHidCode === ((0x1b << 16) | 7))!
    expect(x.leftControl).toBe(true)
    expect(recorded.at(-1)).toMatchObject({ usbHidCode: (0x28 << 16) | 7, leftControl: false })
    // No other modifier was ever set.
    expect(recorded.some((e) => e.leftGui || e.rightControl || e.rightShift || e.rightAlt || e.rightGui)).toBe(false)
  })

  it('fails on a powered-off VM with the fault vSphere gives, and records nothing for it', async () => {
    const { on } = await vmsByState()
    await client.task('PowerOffVM_Task', on as never, {}, { signal })
    try {
      await recordedScanCodes(sim, true)
      await expect(typeBootCommand('a', { put: usbScanCodeSender(client, on as never), signal, keyIntervalMs: 0, retryPauseMs: 0 })).rejects.toMatchObject({
        facts: { code: 'InvalidPowerState' },
      })
      expect((await recordedScanCodes(sim))[on.value]).toBeUndefined()
    } finally {
      await client.task('PowerOnVM_Task', on as never, {}, { signal })
    }
  })

  it('retries a faulted event once, as Packer does, so a single fault types the key once', async () => {
    const { on } = await vmsByState()
    await recordedScanCodes(sim, true)
    await sim.fault('PutUsbScanCodes', 'InvalidState', 1)
    const retried: unknown[] = []
    await typeBootCommand('ab', { put: usbScanCodeSender(client, on as never), signal, keyIntervalMs: 0, retryPauseMs: 0, onRetry: (e) => retried.push(e) })
    expect(retried).toHaveLength(1)
    expect((await recordedScanCodes(sim))[on.value]?.map((e) => e.usbHidCode >>> 16)).toEqual([0x04, 0x05])
  })
})
