// A whole vsphere-clone build against VMware's simulator with a container-backed clone: the
// provisioner runs inside the container (its file is read back from it), the clone becomes a
// template, and nothing else is left in the simulator's inventory or in docker.
import { describe, expect, it } from 'vitest'
import { extraConfigOf } from '../src/vm.js'
import { BUILD_ID_KEY, KEPT_KEY } from '../src/state.js'
import { list, obj, str } from '@tsimg/builder-vsphere/vim'
import {
  cleanupErrors,
  cloneSource,
  containersOf,
  failedStep,
  inventory,
  journalFiles,
  newGuest,
  readFromContainer,
  runBuild,
  stateText,
  useSim,
} from './support.js'

describe('vsphere-clone against vcsim', () => {
  const s = useSim('build')

  it('clones, customizes, powers on, waits for the IP, provisions over SSH inside the container, shuts down and leaves only the template', async () => {
    const c = await s.client()
    const before = await inventory(c)
    const g = await newGuest(s)
    const r = await runBuild(cloneSource(s.sim, g, { convertToTemplate: true, cpus: 2, ram: 1024 }), { stateDir: s.stateDir })
    expect(r.summary.error, r.lines.join('\n')).toBeUndefined()
    expect(failedStep(r.events)).toBeUndefined()
    expect(cleanupErrors(r.events)).toEqual([])
    expect(r.lines).toEqual(expect.arrayContaining(['Cloning VM...', 'Customize VM...', 'Power on VM...', `IP address: ${g.ip}`]))

    // The provisioner ran inside the VM's container.
    const containers = await containersOf(g.label)
    expect(containers).toHaveLength(1)
    expect(await readFromContainer(containers[0]!, '/etc/tsimg-marker')).toBe('made by tsimg on vsphere\n')

    // The clone became a template, with CPUs and RAM as asked (the simulator writes a container VM's
    // annotation itself, so notes are not checked here), kept and tagged with the build id.
    const after = await inventory(c)
    const vmName = `tsimg-${g.label}`
    expect(after.get(vmName)?.template).toBe(true)
    const p = (await c.get(
      { $ref: true, type: 'VirtualMachine', value: after.get(vmName)!.moref },
      ['config.hardware.numCPU', 'config.hardware.memoryMB', 'config.extraConfig', 'runtime.powerState'],
      AbortSignal.timeout(10_000),
    ))!
    expect([p.string('config.hardware.numCPU'), p.string('config.hardware.memoryMB'), p.string('runtime.powerState')]).toEqual(['2', '1024', 'poweredOff'])
    const extra = extraConfigOf(p)
    expect(extra.get(KEPT_KEY)).toBe('true')
    expect(extra.get(BUILD_ID_KEY)).toBe(r.summary.buildId)
    // The build id is also the VM's custom attribute tsimg-build-id.
    const fields = list(obj((await c.get(c.content.customFieldsManager!, ['field'], AbortSignal.timeout(10_000)))?.raw('field')).CustomFieldDef).map(obj)
    const key = str(fields.find((f) => str(f.name) === 'tsimg-build-id')?.key)
    const values = list(
      obj(
        (await c.get({ $ref: true, type: 'VirtualMachine', value: after.get(vmName)!.moref }, ['customValue'], AbortSignal.timeout(10_000)))?.raw(
          'customValue',
        ),
      ).CustomFieldValue,
    ).map(obj)
    expect(values.find((v) => str(v.key) === key)?.value).toBe(r.summary.buildId)
    // Nothing else: the inventory is the one before plus the template.
    expect([...after.keys()].sort()).toEqual([...before.keys(), vmName].sort())
    expect(await journalFiles(s.stateDir)).toEqual([])
    for (const text of [r.text, await stateText(s.stateDir)]) expect(text).not.toContain(s.sim.password)
    expect(r.text).not.toContain(g.rootPassword)

    // Destroying the template (the test's own cleanup) removes its container too.
    await c.task('Destroy_Task', { $ref: true, type: 'VirtualMachine', value: after.get(vmName)!.moref }, {}, { signal: AbortSignal.timeout(30_000) })
    expect(await containersOf(g.label)).toEqual([])
  })
})
