/**
 * The steps both vSphere builders run around their own (clone / create), in Packer's order:
 * connect, hardware, configuration parameters, power on, wait for the IP, shut down, snapshot,
 * keep (mark the artifact), template.
 */
import { isIP } from 'node:net'
import { parseDuration, type Step } from '@tsimg/core/plugin'
import { waitFor } from '@tsimg/cloud-kit'
import { clientOf, connect, resolveDatacenter, type VsphereEnv } from './env.js'
import type { CommonOptions } from './options.js'
import { KEPT_KEY, type VsphereState } from './state.js'
import { extraConfig, powerOff } from './vm.js'
import { list, obj, str, type MoRef, type XmlObject, type XmlValue } from './vim/xml.js'

export const vmOf = (state: VsphereState): MoRef => {
  if (!state.vm) throw new Error('no VM yet')
  return { $ref: true, type: 'VirtualMachine', value: state.vm.moref }
}

/** Connects to vCenter and finds the datacenter; its cleanup (last of all) logs out. */
export function connectStep(env: VsphereEnv): Step<VsphereState> {
  return {
    name: 'vsphere:connect',
    async run({ signal, ui }) {
      ui.say(`Connecting to vCenter ${env.options.vcenterServer}...`)
      await connect(env, signal)
      await resolveDatacenter(env, signal)
    },
    async cleanup() {
      await env.client?.logout()
    },
  }
}

/** VirtualMachineConfigSpec fields in the WSDL's order (vCenter rejects another order). */
const CONFIG_SPEC_ORDER = [
  'name',
  'version',
  'guestId',
  'annotation',
  'files',
  'tools',
  'numCPUs',
  'numCoresPerSocket',
  'memoryMB',
  'memoryHotAddEnabled',
  'cpuHotAddEnabled',
  'deviceChange',
  'cpuAllocation',
  'memoryAllocation',
  'extraConfig',
  'bootOptions',
  'firmware',
  'memoryReservationLockedToMax',
  'nestedHVEnabled',
] as const

/** A VirtualMachineConfigSpec (a clone's reconfigure, or CreateVM_Task's config) with its fields in the WSDL's order. */
export function configSpec(fields: Partial<Record<(typeof CONFIG_SPEC_ORDER)[number], XmlValue>>): XmlObject {
  const out: Record<string, XmlValue> = {}
  for (const k of CONFIG_SPEC_ORDER) if (fields[k] !== undefined) out[k] = fields[k]
  return out
}

export async function reconfigure(env: VsphereEnv, vm: MoRef, spec: XmlObject, signal: AbortSignal): Promise<void> {
  if (!Object.keys(spec).length) return
  await clientOf(env).task('ReconfigVM_Task', vm, { spec }, { signal })
}

/** Packer's "Customizing hardware...": CPUs, cores, RAM, reservations, hot plug, nested HV, firmware, notes. */
export function hardwareSpec(o: CommonOptions): XmlObject {
  const cpuAllocation = o.cpuReservation !== undefined || o.cpuLimit !== undefined ? { reservation: o.cpuReservation, limit: o.cpuLimit } : undefined
  const memoryAllocation = o.ramReservation !== undefined ? { reservation: o.ramReservation } : undefined
  return configSpec({
    annotation: o.notes,
    numCPUs: o.cpus,
    numCoresPerSocket: o.cpuCores,
    memoryMB: o.ram,
    memoryHotAddEnabled: o.ramHotPlug,
    cpuHotAddEnabled: o.cpuHotPlug,
    cpuAllocation,
    memoryAllocation,
    // Packer's efi-secure is EFI firmware with secure boot on.
    bootOptions:
      o.forceBiosSetup !== undefined || o.firmware === 'efi-secure'
        ? { enterBIOSSetup: o.forceBiosSetup, efiSecureBootEnabled: o.firmware === 'efi-secure' ? true : undefined }
        : undefined,
    firmware: o.firmware ? (o.firmware === 'bios' ? 'bios' : 'efi') : undefined,
    memoryReservationLockedToMax: o.ramReserveAll,
    nestedHVEnabled: o.nestedHv,
  })
}

/** Packer's "Adding configuration parameters...": extraConfig keys and the VMware Tools settings. */
export function configParamsStep(env: VsphereEnv): Step<VsphereState> | false {
  const o = env.options
  const params = o.configurationParameters
  if (!Object.keys(params).length && o.toolsSyncTime === undefined && o.toolsUpgradePolicy === undefined) return false
  return {
    name: 'vsphere:configuration-parameters',
    async run({ state, signal, ui }) {
      ui.say('Adding configuration parameters...')
      const tools =
        o.toolsSyncTime !== undefined || o.toolsUpgradePolicy !== undefined
          ? {
              syncTimeWithHost: o.toolsSyncTime,
              toolsUpgradePolicy: o.toolsUpgradePolicy === undefined ? undefined : o.toolsUpgradePolicy ? 'upgradeAtPowerCycle' : 'manual',
            }
          : undefined
      await reconfigure(env, vmOf(state), configSpec({ tools, extraConfig: Object.keys(params).length ? extraConfig(params) : undefined }), signal)
    },
  }
}

/** Packer's "Power on VM...". Powering off on failure is the VM's own cleanup (it destroys it). */
export function powerOnStep(env: VsphereEnv): Step<VsphereState> {
  return {
    name: 'vsphere:power-on',
    async run({ state, signal, ui }) {
      ui.say('Power on VM...')
      await clientOf(env).task('PowerOnVM_Task', vmOf(state), {}, { signal })
    },
  }
}

/** Whether an IPv4 address is inside a CIDR. */
function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/')
  if (isIP(ip) !== 4 || isIP(base!) !== 4) return isIP(ip) === 6 && isIP(base!) === 6 && Number(bitsText) === 0
  const n = (a: string) => a.split('.').reduce((x, y) => (x << 8) + Number(y), 0) >>> 0
  const bits = Number(bitsText)
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
  return (n(ip) & mask) === (n(base!) & mask)
}

/** The addresses VMware Tools reports in guest.net[].ipConfig.ipAddress[] (what Packer reads). */
function guestAddresses(net: unknown): string[] {
  const out: string[] = []
  for (const nic of list(obj(net as never).GuestNicInfo)) {
    for (const a of list(obj(obj(nic).ipConfig).ipAddress)) {
      const ip = str(obj(a).ipAddress)
      if (ip) out.push(ip)
    }
  }
  return out
}

/**
 * Packer's "Waiting for IP...": polls guest.net until an address in ip_wait_address appears and
 * stays the same for ip_settle_timeout, within ip_wait_timeout.
 */
export function waitIpStep(env: VsphereEnv): Step<VsphereState> {
  const o = env.options
  return {
    name: 'vsphere:wait-ip',
    async run({ state, signal, ui }) {
      const c = clientOf(env)
      const vm = vmOf(state)
      const delayMs = 1000
      const settleMs = parseDuration(o.ipSettleTimeout)
      let candidate: { ip: string; since: number } | undefined
      const ip = await waitFor<string>({
        resource: `VM ${state.vm!.name}`,
        until: `to report an IP address in ${o.ipWaitAddress}`,
        headline: 'Waiting for IP...',
        ui,
        signal,
        delayMs,
        attempts: Math.max(1, Math.ceil(parseDuration(o.ipWaitTimeout) / delayMs)),
        option: 'ipWaitTimeout (Packer: ip_wait_timeout)',
        probe: async (s) => {
          const p = await c.get(vm, ['guest.net', 'runtime.powerState'], s)
          if (!p) return { failed: 'the VM is gone' }
          if (p.string('runtime.powerState') === 'poweredOff') return { failed: 'the VM powered off' }
          const found = guestAddresses(p.raw('guest.net')).find((a) => inCidr(a, o.ipWaitAddress))
          if (!found) {
            candidate = undefined
            return { done: false, state: 'no address yet' }
          }
          if (!candidate || candidate.ip !== found) candidate = { ip: found, since: Date.now() }
          // Packer waits for the address to settle: the same address for ip_settle_timeout.
          if (Date.now() - candidate.since >= settleMs) return { done: true, value: found }
          return { done: false, state: `address ${found} settling` }
        },
      })
      ui.say(`IP address: ${ip}`)
      state.ip = ip
      state.sshHost = o.sshHost ?? ip
      state.generated.Host = state.sshHost
    },
  }
}

/**
 * Packer's shutdown: the shutdown_command over SSH, or ShutdownGuest through VMware Tools,
 * then waits for poweredOff within shutdown_timeout. disable_shutdown waits for the
 * provisioners' own power-off.
 */
export function shutdownStep(env: VsphereEnv): Step<VsphereState> {
  const o = env.options
  return {
    name: 'vsphere:shutdown',
    async run({ state, signal, ui }) {
      const c = clientOf(env)
      const vm = vmOf(state)
      if (o.disableShutdown) {
        ui.say('Automatic shutdown disabled. Please shutdown virtual machine.')
      } else if (o.shutdownCommand) {
        ui.say('Executing shutdown command...')
        const comm = state.communicator
        if (!comm) throw new Error('no SSH connection to run shutdown_command on')
        // The connection may drop as the machine goes down: that is the expected end.
        await comm.exec(o.shutdownCommand, { signal, onStdout: (l) => ui.message(l), onStderr: (l) => ui.message(l) }).catch(() => undefined)
      } else {
        ui.say('Shutting down VM...')
        await c.call('ShutdownGuest', vm, {}, { signal })
      }
      await waitFor<void>({
        resource: `VM ${state.vm!.name}`,
        until: 'to power off',
        headline: 'Waiting while VM is shutting down...',
        ui,
        signal,
        delayMs: 1000,
        attempts: Math.max(1, Math.ceil(parseDuration(o.shutdownTimeout) / 1000)),
        option: 'shutdownTimeout (Packer: shutdown_timeout)',
        probe: async (s) => {
          const p = await c.get(vm, ['runtime.powerState'], s)
          if (!p) return { failed: 'the VM is gone' }
          const st = p.string('runtime.powerState') ?? 'unknown'
          return st === 'poweredOff' ? { done: true, value: undefined } : { done: false, state: st }
        },
      })
      state.machineDown = true
    },
  }
}

/** Packer's create_snapshot ("Creating snapshot..."). */
export function snapshotStep(env: VsphereEnv): Step<VsphereState> | false {
  if (!env.options.createSnapshot) return false
  return {
    name: 'vsphere:snapshot',
    async run({ state, signal, ui }) {
      ui.say('Creating snapshot...')
      await clientOf(env).task(
        'CreateSnapshot_Task',
        vmOf(state),
        { name: env.options.snapshotName ?? 'Created By Packer', description: `made by tsimg build ${env.build.id}`, memory: false, quiesce: false },
        { signal },
      )
    },
  }
}

/**
 * Marks the VM as this build's kept artifact (extraConfig tsimg-kept, so no sweep takes it),
 * converts it to a template when asked (a template cannot be reconfigured after), and sets
 * the artifact. The VM's own step then forgets its journal entry instead of destroying it.
 */
export function keepStep(env: VsphereEnv, builderType: string): Step<VsphereState> {
  return {
    name: 'vsphere:keep',
    async run({ state, signal, ui, build }) {
      const vm = vmOf(state)
      await reconfigure(env, vm, configSpec({ extraConfig: extraConfig({ [KEPT_KEY]: 'true' }) }), signal)
      if (env.options.convertToTemplate) {
        ui.say('Convert VM into template...')
        await powerOff(clientOf(env), vm, signal)
        await clientOf(env).call('MarkAsTemplate', vm, {}, { signal })
      }
      state.artifact = {
        builderType,
        buildName: build.name,
        id: state.vm!.name,
        description: `${env.options.convertToTemplate ? 'Template' : 'VM'} ${state.vm!.path} (${state.vm!.moref})`,
        data: { vm: state.vm!.moref, path: state.vm!.path, template: env.options.convertToTemplate, vcenter: env.scope.region },
      }
    },
  }
}
