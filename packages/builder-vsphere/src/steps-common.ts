/**
 * The steps both vSphere builders run around their own (clone / create), in Packer's order:
 * connect, hardware, configuration parameters, power on, wait for the IP, the guest's SSH and
 * provisioning, shut down, snapshot, keep (mark the artifact), template; and what their own VM
 * step shares: where the VM goes, an existing VM of its path, the VM's cleanup.
 */
import { isIP } from 'node:net'
import {
  clearAuthorizedKeys,
  parseDuration,
  TsimgError,
  type BuildInfo,
  type BuildJournal,
  type CleanupContext,
  type SshOptions,
  type Step,
  type StepsContext,
  type Ui,
} from '@tsimg/core/plugin'
import { cloudConnectSsh, waitFor, type TrackedResource } from '@tsimg/cloud-kit'
import { clientOf, connect, findInventory, notFound, resolveDatacenter, resourceData, type VsphereEnv } from './env.js'
import type { CommonOptions } from './options.js'
import { BUILD_ID_KEY, CREATED_AT_KEY, KEPT_KEY, PLUGIN, type VsphereState } from './state.js'
import { destroyVm, extraConfig, findBuildVm, powerOff } from './vm.js'
import { list, moref, obj, str, type MoRef, type Parsed, type XmlObject, type XmlValue } from './vim/xml.js'

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

/** The compute resource a VM runs on, found as Packer finds it: the cluster, or the host's own (and the host, when set). */
export async function computeOf(env: VsphereEnv, signal: AbortSignal): Promise<{ compute: MoRef; host?: MoRef }> {
  const c = clientOf(env)
  const o = env.options
  const host = o.host ? await findInventory(env, 'HostSystem', 'host', o.host, 'host', signal) : undefined
  const cluster = o.cluster ? await findInventory(env, 'ClusterComputeResource', 'host', o.cluster, 'cluster', signal) : undefined
  const compute = cluster ?? (host ? (await c.get(host, ['parent'], signal))?.ref('parent') : undefined)
  if (!compute) throw new TsimgError('VSPHERE_OPTION', 'set cluster or host', { hint: 'where the VM runs' })
  return { compute, ...(host && { host }) }
}

/**
 * Where the builder's VM goes (the clone, or the VM vsphere-iso creates): the folder (`folder`
 * below the datacenter's vm folder), the compute resource and host, and the resource pool
 * (`resource_pool` below the compute resource's root pool, or that root pool).
 */
export async function placement(
  env: VsphereEnv,
  signal: AbortSignal,
): Promise<{ folder: MoRef; folderPath: string; compute: MoRef; host?: MoRef; pool: MoRef }> {
  const c = clientOf(env)
  const o = env.options
  const dc = env.datacenter!
  const folderPath = `${dc.path}/vm${o.folder ? `/${o.folder.replace(/^\/+|\/+$/g, '')}` : ''}`
  const folder = o.folder ? await c.findByPath(folderPath, signal) : dc.vmFolder
  if (!folder || folder.type !== 'Folder') throw notFound('folder', o.folder ?? '', 'folder', ` in datacenter ${dc.path}`)
  const { compute, host } = await computeOf(env, signal)
  let pool: MoRef | undefined
  if (o.resourcePool) {
    const base = await c.pathOf(compute, signal)
    pool = await c.findByPath(`${base}/Resources/${o.resourcePool.replace(/^\/+/, '')}`, signal)
    if (!pool || pool.type !== 'ResourcePool') throw notFound('resource pool', o.resourcePool, 'resourcePool', ` in ${base}`)
  } else {
    pool = (await c.get(compute, ['resourcePool'], signal))?.ref('resourcePool')
  }
  if (!pool) throw new Error(`${compute.value} has no resource pool`)
  return { folder, folderPath, compute, ...(host && { host }), pool }
}

/** A VM already at the path the build's VM goes to: an error, or destroyed first with -force (Packer's messages). */
export async function replaceExisting(env: VsphereEnv, path: string, at: { build: BuildInfo; ui: Ui; signal: AbortSignal }): Promise<void> {
  const c = clientOf(env)
  const existing = await c.findByPath(path, at.signal)
  if (!existing) return
  if (!at.build.force)
    throw new TsimgError('VSPHERE_EXISTS', `the vm/template ${path} already exists`, { hint: 'run with -force to replace it, or set another vm_name' })
  at.ui.say(`the vm/template ${path} already exists, but deleting it due to -force flag`)
  await destroyVm(c, existing, at.signal)
}

/** The VM's extraConfig entries of its build (id and creation time), set by the call that makes it, so no VM of the build exists without them. */
export function buildVmConfig(build: BuildInfo): XmlObject[] {
  return extraConfig({ [BUILD_ID_KEY]: build.id, [CREATED_AT_KEY]: new Date().toISOString() })
}

/**
 * Makes the build's VM at `path` with the builder's call (CloneVM_Task, CreateVM_Task, whose
 * spec has `buildVmConfig`): journaled before the call (kind `vm`, token the path) and found by
 * path + build id when the answer is lost. The VM is then the state's.
 */
export async function createVm(
  env: VsphereEnv,
  tracked: TrackedResource<Parsed | undefined>,
  at: { state: VsphereState; journal: BuildJournal; signal: AbortSignal; build: BuildInfo; name: string; path: string },
  create: (requestSignal: AbortSignal) => Promise<Parsed | undefined>,
): Promise<string> {
  const { build, path } = at
  const id = await tracked.create(
    { journal: at.journal, signal: at.signal },
    {
      plugin: PLUGIN,
      kind: 'vm',
      token: path,
      description: `VM ${path} of build ${build.id} (${env.scope.region})`,
      data: resourceData(env, { path }),
      create,
      idOf: (res) => moref(res)?.value,
      find: async (s) => (await findBuildVm(clientOf(env), path, build.id, BUILD_ID_KEY, s))?.value,
    },
  )
  at.state.vm = { moref: id, name: at.name, path }
  at.state.generated.ID = id
  return id
}

/**
 * The cleanup of the builder's VM step: the VM is destroyed (powered off first) unless the build
 * succeeded with its artifact, then its journal entry is only forgotten.
 */
export function vmCleanup<T>(env: VsphereEnv, tracked: TrackedResource<T>): (ctx: CleanupContext<VsphereState>) => Promise<void> {
  return async ({ state, ui, signal, journal, outcome }) => {
    if (!tracked.started) return
    if (outcome === 'success' && state.artifact) {
      await tracked.forget(journal)
      return
    }
    ui.say('Destroying VM...')
    await tracked.remove({ journal, signal }, (id, s) => destroyVm(clientOf(env), { $ref: true, type: 'VirtualMachine', value: id }, s))
    if (state.vm) state.vm.destroyed = true
    state.machineDown = true
  }
}

/**
 * The guest's part, after power on (and vsphere-iso's boot command), in Packer's order: wait for
 * the IP, connect over SSH, run the provisioners, clear the temporary key from authorized_keys.
 */
export function guestSteps(env: VsphereEnv<CommonOptions & SshOptions>, ctx: StepsContext): Step<VsphereState>[] {
  const o = env.options
  return [
    waitIpStep(env),
    cloudConnectSsh<VsphereState>(o, { port: o.sshPort ?? 22, templateDir: ctx.build.templateDir }),
    ctx.provision<VsphereState>(),
    clearAuthorizedKeys<VsphereState>(o.sshClearAuthorizedKeys),
  ]
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
function waitIpStep(env: VsphereEnv): Step<VsphereState> {
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
