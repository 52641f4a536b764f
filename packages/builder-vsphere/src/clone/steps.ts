import { BUILD_ID_LABEL, TsimgError, type Step, type StepList, type StepsContext } from '@tsimg/core/plugin'
import { TrackedResource } from '@tsimg/cloud-kit'
import { clientOf, findInventory, scopeOf, type VsphereEnv } from '../env.js'
import type { Customize } from '../options.js'
import type { VsphereCloneOptions } from '../source.js'
import type { VsphereState } from '../state.js'
import { buildVmConfig, configSpec, createVm, hardwareSpec, placement, reconfigure, replaceExisting, vmCleanup, vmOf } from '../steps-common.js'
import { vsphereSteps } from '../step-list.js'
import { setCustomAttribute } from '../vm.js'
import { list, moref, obj, str, type MoRef, type Parsed, type XmlObject, type XmlValue } from '../vim/xml.js'

/** The vsphere-clone step list, in Packer's order. */
export function vsphereCloneSteps(options: VsphereCloneOptions, ctx: StepsContext): StepList<VsphereState> {
  const env: VsphereEnv<VsphereCloneOptions> = { options, build: ctx.build, scope: scopeOf(options) }
  return vsphereSteps(env, ctx, {
    type: 'vsphere-clone',
    make: [cloneStep(env), hardwareStep(env)],
    beforePowerOn: [options.customize && customizeStep(env, options.customize)],
  })
}

/** Where the clone goes: the folder, pool and host of the new VM, and the datastore (the template's when unset). */
async function location(env: VsphereEnv<VsphereCloneOptions>, signal: AbortSignal) {
  const o = env.options
  const datastore = o.datastore ? await findInventory(env, 'Datastore', 'datastore', o.datastore, 'datastore', signal) : undefined
  return { ...(await placement(env, signal)), datastore }
}

/**
 * Packer's "Cloning VM...": CloneVM_Task into the folder, pool, host and datastore, the build id
 * and creation time in the clone spec's extraConfig (so no clone of this build exists without
 * them), journaled before the call and found by path + build id when the answer is lost. An
 * existing VM of that name is an error, or destroyed first with -force. The cleanup powers the
 * clone off and destroys it unless the build succeeded (then the entry is only forgotten).
 */
function cloneStep(env: VsphereEnv<VsphereCloneOptions>): Step<VsphereState> {
  const tracked = new TrackedResource<Parsed | undefined>()
  return {
    name: 'vsphere:clone',
    async run({ state, signal, ui, journal, build }) {
      const c = clientOf(env)
      const o = env.options
      const name = o.vmName ?? `packer-${build.id}`
      const source = await findInventory(env, 'VirtualMachine', 'vm', o.template, 'template', signal)
      const where = await location(env, signal)
      const path = `${where.folderPath}/${name}`
      await replaceExisting(env, path, { build, ui, signal })
      let snapshot: MoRef | undefined
      if (o.linkedClone) {
        snapshot = moref(obj((await c.get(source, ['snapshot'], signal))?.raw('snapshot')).currentSnapshot)
        if (!snapshot)
          throw new TsimgError('VSPHERE_OPTION', `linked_clone needs a snapshot of ${o.template}, which has none`, {
            hint: 'snapshot the template, or set linkedClone: false',
          })
      }
      const spec: XmlObject = {
        location: {
          datastore: where.datastore,
          diskMoveType: o.linkedClone ? 'createNewChildDiskBacking' : undefined,
          pool: where.pool,
          host: where.host,
        },
        template: false,
        config: configSpec({ extraConfig: buildVmConfig(build) }),
        powerOn: false,
        snapshot,
      }
      ui.say('Cloning VM...')
      // The task is awaited within the create's own bound even after a cancel, so the cleanup
      // destroys a clone that lands after it.
      // Sent once: a clone whose answer is lost may have been made (vCenter allows no second
      // VM of that name in the folder, the simulator does), so it is looked up instead of resent.
      const id = await createVm(env, tracked, { state, journal, signal, build, name, path }, (requestSignal) =>
        c.task('CloneVM_Task', source, { folder: where.folder, name, spec }, { signal: requestSignal, budget: { attempts: 1 } }),
      )
      // The build id as a custom attribute too, where the vSphere client shows it (the
      // extraConfig key, set with the clone itself, is what cleanup and sweeps read).
      await setCustomAttribute(c, { $ref: true, type: 'VirtualMachine', value: id }, BUILD_ID_LABEL, build.id, signal)
      ui.message(`VM ${path} (${id})`)
    },
    cleanup: vmCleanup(env, tracked),
  }
}

/**
 * Packer's "Customizing hardware...": CPUs, RAM and the rest, plus vsphere-clone's disk_size
 * (grows the first disk), network (moves the first NIC) and mac_address (fixes it).
 */
function hardwareStep(env: VsphereEnv<VsphereCloneOptions>): Step<VsphereState> {
  return {
    name: 'vsphere:configure-hardware',
    async run({ state, signal, ui }) {
      const c = clientOf(env)
      const o = env.options
      const vm = vmOf(state)
      const deviceChange: XmlObject[] = []
      if (o.diskSize || o.network || o.macAddress) {
        const devices = list(obj((await c.get(vm, ['config.hardware.device'], signal))?.raw('config.hardware.device')).VirtualDevice).map(obj)
        if (o.diskSize) {
          const disk = devices.find((d) => d.$type === 'VirtualDisk')
          if (!disk) throw new TsimgError('VSPHERE_OPTION', `the clone of ${o.template} has no disk to grow`, { hint: 'leave diskSize out' })
          const kb = o.diskSize * 1024
          if (kb < Number(str(disk.capacityInKB) ?? 0))
            throw new TsimgError(
              'VSPHERE_OPTION',
              `diskSize ${o.diskSize} MB is smaller than the disk of ${o.template} (${Math.round(Number(str(disk.capacityInKB)) / 1024)} MB)`,
              { hint: 'a disk can only grow' },
            )
          const { capacityInBytes: _bytes, ...rest } = disk
          deviceChange.push({ operation: 'edit', device: { ...(rest as XmlObject), capacityInKB: kb } })
        }
        if (o.network || o.macAddress) {
          const nic = devices.find((d) => typeof d.$type === 'string' && /^Virtual(E1000e?|Vmxnet\d*|PCNet32|SriovEthernetCard)$/.test(d.$type))
          if (!nic) throw new TsimgError('VSPHERE_OPTION', `the clone of ${o.template} has no network adapter`, { hint: 'leave network and macAddress out' })
          const device: Record<string, XmlValue> = { ...(nic as XmlObject) }
          if (o.network) {
            const net = await findInventory(env, 'Network', 'network', o.network, 'network', signal).catch(async () => {
              const dvpg = await findInventory(env, 'DistributedVirtualPortgroup', 'network', o.network!, 'network', signal)
              return dvpg
            })
            if (net.type === 'DistributedVirtualPortgroup') {
              const p = await c.get(net, ['key', 'config.distributedVirtualSwitch'], signal)
              const dvs = p?.ref('config.distributedVirtualSwitch')
              const uuid = dvs ? (await c.get(dvs, ['uuid'], signal))?.string('uuid') : undefined
              device.backing = { $type: 'VirtualEthernetCardDistributedVirtualPortBackingInfo', port: { switchUuid: uuid, portgroupKey: p?.string('key') } }
            } else {
              device.backing = { $type: 'VirtualEthernetCardNetworkBackingInfo', deviceName: o.network, network: net }
            }
          }
          if (o.macAddress) {
            device.addressType = 'manual'
            device.macAddress = o.macAddress
          }
          deviceChange.push({ operation: 'edit', device: reorderNic(device) })
        }
      }
      const spec = hardwareSpec(o)
      const full = deviceChange.length ? configSpec({ ...(spec as Record<string, XmlValue>), deviceChange }) : spec
      if (!Object.keys(full).length) return
      ui.say('Customizing hardware...')
      await reconfigure(env, vm, full, signal)
    },
  }
}

/** VirtualEthernetCard's fields in the WSDL's order (the device came back in it; changed fields keep their place). */
function reorderNic(d: Record<string, XmlValue>): XmlObject {
  const order = ['key', 'deviceInfo', 'backing', 'connectable', 'slotInfo', 'controllerKey', 'unitNumber', 'addressType', 'macAddress', 'wakeOnLanEnabled']
  const out: Record<string, XmlValue> = { $type: d.$type }
  for (const k of order) if (d[k] !== undefined) out[k] = d[k]
  for (const [k, v] of Object.entries(d)) if (!(k in out)) out[k] = v
  return out
}

/** Packer's prefix length to a dotted mask. */
function netmask(bits: number): string {
  const m = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
  return [24, 16, 8, 0].map((s) => (m >>> s) & 255).join('.')
}

/** Packer's customize block as a CustomizationSpec (host name, domain, time zone, fixed IPs, DNS). */
export function customizationSpec(cz: Customize): XmlObject {
  const lo = cz.linuxOptions
  const identity: XmlObject = cz.windowsSysprepText
    ? { $type: 'CustomizationSysprepText', value: cz.windowsSysprepText }
    : {
        $type: 'CustomizationLinuxPrep',
        hostName: lo?.hostName ? { $type: 'CustomizationFixedName', name: lo.hostName } : { $type: 'CustomizationVirtualMachineName' },
        domain: lo?.domain ?? '',
        timeZone: lo?.timeZone,
        hwClockUTC: lo?.hwClockUtc ?? true,
      }
  const nicSettingMap = cz.networkInterface.map((n, i) => ({
    adapter: {
      ip: n.ipv4Address ? { $type: 'CustomizationFixedIp', ipAddress: n.ipv4Address } : { $type: 'CustomizationDhcpIpGenerator' },
      subnetMask: n.ipv4Address ? netmask(n.ipv4Netmask ?? 24) : undefined,
      gateway: i === 0 && cz.ipv4Gateway ? [cz.ipv4Gateway] : undefined,
      ipV6Spec: n.ipv6Address
        ? {
            ip: [{ $type: 'CustomizationFixedIpV6', ipAddress: n.ipv6Address, subnetMask: n.ipv6Netmask ?? 64 }],
            gateway: i === 0 && cz.ipv6Gateway ? [cz.ipv6Gateway] : undefined,
          }
        : undefined,
      dnsServerList: n.dnsServerList.length ? n.dnsServerList : undefined,
      dnsDomain: n.dnsDomain,
    },
  }))
  return {
    identity,
    globalIPSettings: {
      dnsSuffixList: cz.dnsSuffixList.length ? cz.dnsSuffixList : undefined,
      dnsServerList: cz.dnsServerList.length ? cz.dnsServerList : undefined,
    },
    nicSettingMap,
  }
}

/** Packer's "Customize VM...": CustomizeVM_Task with the customize block (applied at power on). */
function customizeStep(env: VsphereEnv<VsphereCloneOptions>, cz: Customize): Step<VsphereState> {
  return {
    name: 'vsphere:customize',
    async run({ state, signal, ui }) {
      ui.say('Customize VM...')
      await clientOf(env).task('CustomizeVM_Task', vmOf(state), { spec: customizationSpec(cz) }, { signal })
    },
  }
}
