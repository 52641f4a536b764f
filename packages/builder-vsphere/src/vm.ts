import { errorClassOf, isNotFound } from '@tsimg/cloud-kit'
import type { Props, VimClient } from './vim/client.js'
import { list, obj, ref, str, type MoRef } from './vim/xml.js'

/** A VM's extraConfig as a map. */
export function extraConfigOf(p: Props): Map<string, string> {
  const out = new Map<string, string>()
  for (const o of list(p.object('config.extraConfig').OptionValue)) {
    const key = str(obj(o).key)
    const v = obj(o).value
    if (key) out.set(key, typeof v === 'string' ? v : (str(obj(v).$text) ?? ''))
  }
  return out
}

/** The OptionValue list of a VirtualMachineConfigSpec.extraConfig. */
export function extraConfig(values: Readonly<Record<string, string>>) {
  return Object.entries(values).map(([key, value]) => ({ key, value: { $type: 'xsd:string', $text: value } }))
}

/** Powers a VM off unless it is off already (or a template); a VM that is gone is fine. */
export async function powerOff(c: VimClient, vm: MoRef, signal: AbortSignal): Promise<void> {
  const p = await c.get(vm, ['runtime.powerState', 'config.template'], signal)
  if (!p || p.string('config.template') === 'true' || p.string('runtime.powerState') === 'poweredOff') return
  try {
    await c.task('PowerOffVM_Task', vm, {}, { signal })
  } catch (err) {
    if (isNotFound(err)) return
    // Another power-off (ShutdownGuest) may have landed meanwhile.
    const again = await c.get(vm, ['runtime.powerState'], signal)
    if (again && again.string('runtime.powerState') !== 'poweredOff') throw err
  }
}

/** Powers off and destroys a VM (or template), removing its files; one that is gone is done. */
export async function destroyVm(c: VimClient, vm: MoRef, signal: AbortSignal): Promise<void> {
  try {
    await powerOff(c, vm, signal)
    if (!(await c.get(vm, ['name'], signal))) return
    await c.task('Destroy_Task', vm, {}, { signal })
  } catch (err) {
    if (isNotFound(err)) return
    throw err
  }
}

/** The VM of that inventory path, only if it carries this build id (a name alone could be a user's VM). */
export async function findBuildVm(c: VimClient, path: string, buildId: string, buildKey: string, signal: AbortSignal): Promise<MoRef | undefined> {
  const vm = await c.findByPath(path, signal)
  if (!vm || vm.type !== 'VirtualMachine') return undefined
  const p = await c.get(vm, ['config.extraConfig'], signal)
  return p && extraConfigOf(p).get(buildKey) === buildId ? vm : undefined
}

export const vmRef = (value: string): MoRef => ref('VirtualMachine', value)

/**
 * Sets a custom attribute (custom field) on a VM, defining the field for VirtualMachine first
 * when vCenter has none of that name: what the vSphere client shows in a VM's Custom Attributes.
 */
export async function setCustomAttribute(c: VimClient, vm: MoRef, name: string, value: string, signal: AbortSignal): Promise<void> {
  const mgr = c.content.customFieldsManager
  if (!mgr) return
  const keyOf = async (): Promise<string | undefined> => {
    const defs = list(obj((await c.get(mgr, ['field'], signal))?.raw('field')).CustomFieldDef).map(obj)
    return str(defs.find((d) => str(d.name) === name && (str(d.managedObjectType) ?? 'VirtualMachine') === 'VirtualMachine')?.key)
  }
  let key = await keyOf()
  if (!key) {
    try {
      key = str(obj(await c.call('AddCustomFieldDef', mgr, { name, moType: 'VirtualMachine' }, { signal })).key)
    } catch (err) {
      // Another build defined it meanwhile.
      if (errorClassOf(err) !== 'exists') throw err
      key = await keyOf()
    }
  }
  if (!key) throw new Error(`custom attribute ${name} could not be defined`)
  await c.call('SetField', mgr, { entity: vm, key: Number(key), value }, { signal })
}
