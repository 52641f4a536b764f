// A failure at each vsphere-iso step, and a cancel in each, leave no VM, no uploaded file (no
// tsimg-<build> folder on the datastore), no journal and no HTTP server, and name the step.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { vsphereIso, type VsphereIsoInput } from '@tsimg/builder-vsphere'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { runSourceBuild } from '../../../test/support/cloud-build.js'
import { freePort } from '../../../test/support/vcsim.js'
import { cancelIn, cancelRowsTitled, cleanupErrors, failedStep, inventory, journalFiles, stateText, useSim, type CancelAt, type Sim } from './support.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-iso-matrix-'))
  await writeFile(join(dir, 'ks.cfg'), 'install\n')
  await writeFile(join(dir, 'user-data'), '#cloud-config\n')
  await writeFile(join(dir, 'tiny.iso'), 'not really an ISO')
})
afterAll(async () => rm(dir, { recursive: true, force: true }))

function source(s: Sim, port: number, over: Partial<VsphereIsoInput> = {}): VsphereIsoInput {
  return {
    vcenterServer: s.sim.server,
    username: s.sim.username,
    password: s.sim.password,
    insecureConnection: true,
    cluster: 'DC0_C0',
    datastore: 'LocalDS_0',
    vmName: `isom-${Math.random().toString(36).slice(2, 8)}`,
    guestOsType: 'otherGuest',
    storage: [{ diskSize: 512, diskThinProvisioned: true }],
    networkAdapters: [{ network: 'VM Network', networkCard: 'e1000' }],
    floppyFiles: [join(dir, 'ks.cfg')],
    cdFiles: [join(dir, 'user-data')],
    httpDirectory: dir,
    httpBindAddress: '127.0.0.1',
    httpPortMin: port,
    httpPortMax: port,
    bootCommand: ['<tab> ks=hd:fd0:/ks.cfg<enter>'],
    bootWait: '0s',
    bootKeygroupInterval: '1ms',
    communicator: 'none',
    ...over,
  }
}

/** The datastore's folder on this machine (the simulator keeps LocalDS_0 in a local directory). */
async function datastoreDir(s: Sim): Promise<string> {
  const c = await s.client()
  const all = await c.all('Datastore', ['name', 'summary.url'], AbortSignal.timeout(30_000))
  const p = [...all.values()].find((x) => x.string('name') === 'LocalDS_0')!
  return p
    .string('summary.url')!
    .replace(/^file:\/\//, '')
    .replace(/^ds:\/\//, '')
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => resolve(false))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)))
  })
}

async function expectNothingLeft(s: Sim, r: Awaited<ReturnType<typeof runSourceBuild>>, before: Map<string, unknown>, port: number): Promise<void> {
  const c = await s.client()
  expect(cleanupErrors(r.events)).toEqual([])
  expect(r.summary.leftovers).toEqual([])
  expect([...(await inventory(c)).keys()].sort()).toEqual([...before.keys()].sort())
  expect((await readdir(await datastoreDir(s))).filter((n) => n.startsWith('tsimg-'))).toEqual([])
  expect(await journalFiles(s.stateDir)).toEqual([])
  expect(await portFree(port)).toBe(true)
  for (const t of [r.text, await stateText(s.stateDir)]) expect(t).not.toContain(s.sim.password)
}

interface FailRow {
  step: string
  fault?: [method: string, fault: string, times?: number]
  over?: (port: number) => Partial<VsphereIsoInput>
  /** Takes the HTTP port before the build. */
  busyPort?: boolean
  /** Makes the export's output folder exist before the build. */
  outputExists?: boolean
  error: RegExp
}

const rows: FailRow[] = [
  { step: 'vsphere:datastore', over: () => ({ datastore: 'no-such-ds' }), error: /Datastore 'no-such-ds' not found/ },
  { step: 'vsphere:upload-media', fault: ['MakeDirectory', 'FileFault'], error: /FileFault/ },
  {
    step: 'vsphere:upload-media',
    over: () => ({ isoUrls: [`file://${join(dir, 'tiny.iso')}`], isoChecksum: `sha256:${'0'.repeat(64)}` }),
    error: /checksums didn't match/,
  },
  {
    step: 'vsphere:upload-media',
    over: () => ({ isoUrls: ['https://mirror.example.test/os.iso'], isoChecksum: 'none' }),
    error: /file:\/\/ or loopback URLs only/,
  },
  { step: 'vsphere:create-vm', fault: ['CreateVM_Task', 'InsufficientResourcesFault'], error: /InsufficientResourcesFault/ },
  {
    step: 'vsphere:configuration-parameters',
    fault: ['ReconfigVM_Task', 'InvalidState'],
    over: () => ({ configurationParameters: { 'tsimg.row': 'x' } }),
    error: /InvalidState/,
  },
  { step: 'vsphere:floppy', fault: ['ReconfigVM_Task', 'InvalidDeviceSpec'], error: /InvalidDeviceSpec/ },
  { step: 'vsphere:http-server', busyPort: true, error: /no free port for the HTTP server/ },
  { step: 'vsphere:power-on', fault: ['PowerOnVM_Task', 'InsufficientResourcesFault'], error: /InsufficientResourcesFault/ },
  // Packer retries a key once: two faults in a row fail the boot command.
  { step: 'vsphere:boot-command', fault: ['PutUsbScanCodes', 'InvalidState', 2], error: /Error running boot command/ },
  { step: 'vsphere:shutdown', fault: ['ShutdownGuest', 'ToolsUnavailable'], error: /ToolsUnavailable/ },
  { step: 'vsphere:keep', fault: ['MarkAsTemplate', 'InvalidState'], over: () => ({ convertToTemplate: true }), error: /InvalidState/ },
  { step: 'vsphere:export', outputExists: true, over: () => ({ export: { outputDirectory: join(dir, 'exists') } }), error: /already exists/ },
]

describe('a failure at each vsphere-iso step leaves nothing behind', () => {
  const s = useSim('iso-failure')
  afterEach(() => s.sim.clearFaults())

  it.each(rows.map((r) => [`${r.step}${r.fault ? ` (${r.fault[0]} answers ${r.fault[1]})` : ` (${r.error.source})`}`, r] as const))(
    'fails in %s',
    async (_, row) => {
      const before = await inventory(await s.client())
      const port = await freePort()
      if (row.fault) await s.sim.fault(row.fault[0], row.fault[1], row.fault[2] ?? 1)
      if (row.outputExists) await writeFile(join(dir, 'exists'), '').catch(() => undefined)
      const busy = row.busyPort ? createServer() : undefined
      if (busy) await new Promise<void>((r) => busy.listen(port, '127.0.0.1', r))
      try {
        const r = await runSourceBuild(vsphereIso({ name: 'test', ...source(s, port, row.over?.(port)) }), { stateDir: s.stateDir, provisioners: [] })
        expect(r.summary.outcome).toBe('failed')
        expect(failedStep(r.events)).toBe(row.step)
        expect(r.summary.error?.message).toMatch(row.error)
        await new Promise<void>((r) => (busy ? busy.close(() => r()) : r()))
        await expectNothingLeft(s, r, before, port)
      } finally {
        busy?.close()
      }
    },
  )
})

interface CancelRow extends CancelAt {
  over?: Partial<VsphereIsoInput>
}

const cancelRows: CancelRow[] = [
  { step: 'vsphere:upload-media', hold: 'MakeDirectory' },
  { step: 'vsphere:create-vm', hold: 'CreateVM_Task' },
  { step: 'vsphere:floppy', hold: 'ReconfigVM_Task' },
  { step: 'vsphere:power-on', hold: 'PowerOnVM_Task' },
  { step: 'vsphere:boot-command', hold: 'PutUsbScanCodes' },
  // In boot_wait: the cancel ends the wait.
  { step: 'vsphere:boot-command', over: { bootWait: '10m' } },
  { step: 'vsphere:shutdown', hold: 'ShutdownGuest' },
]

describe('a cancel in each vsphere-iso step leaves nothing behind', () => {
  const s = useSim('iso-cancel')
  afterEach(async () => {
    await s.sim.release()
    await s.sim.clearFaults()
  })

  it.each(cancelRowsTitled(cancelRows))('cancelled in %s', async (_, row) => {
    const before = await inventory(await s.client())
    const port = await freePort()
    const { signal, onEvent, started } = await cancelIn(s, row)
    const r = await runSourceBuild(vsphereIso({ name: 'test', ...source(s, port, row.over) }), {
      stateDir: s.stateDir,
      provisioners: [],
      signal,
      onEvent,
    })
    expect(r.summary.outcome).toBe('cancelled')
    expect(started.at(-1)).toBe(row.step)
    await expectNothingLeft(s, r, before, port)
  })
})
