// `tsimg cleanup` against real journals of dead builds that list real temporary files and
// folders: lists first, deletes in reverse creation order, sweeps by label, keeps what failed.
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JournalFile } from '../dist/journal/journal.js'
import { cleanupLeftovers } from '@tsimg/core/node'
import type { JournalResource } from '@tsimg/core/plugin'
import { SLOW_TEMPLATE, runCli, startCli } from './fixtures/cli/run-cli.js'

const MARKER_PLUGIN = fileURLToPath(new URL('./fixtures/cli/marker-plugin.mjs', import.meta.url))

let dir: string
let stateDir: string
let deadPid: number

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-cleanup-work-'))
  stateDir = await mkdtemp(join(tmpdir(), 'tsimg-cleanup-state-'))
  deadPid = await pidOfExitedProcess()
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
  await rm(stateDir, { recursive: true, force: true })
})

/** The pid of a process that has exited: what a journal of a kill -9'd build carries. */
function pidOfExitedProcess(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
    child.on('error', reject)
    child.on('exit', () => resolve(child.pid!))
  })
}

let seq = 0
function entry(plugin: string, kind: string, description: string, data: Record<string, unknown>): JournalResource {
  seq++
  return { id: `e${seq}`, plugin, kind, description, data, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString() }
}

async function writeJournal(doc: Omit<JournalFile, 'version' | 'host' | 'startedAt'> & { host?: string; startedAt?: string }): Promise<string> {
  const journalDir = join(stateDir, 'journal')
  await mkdir(journalDir, { recursive: true })
  const path = join(journalDir, `${doc.buildId}.json`)
  await writeFile(path, JSON.stringify({ version: 1, host: hostname(), startedAt: new Date().toISOString(), ...doc }, null, 2))
  return path
}

async function journals(): Promise<string[]> {
  return readdir(join(stateDir, 'journal'))
}

describe('tsimg cleanup', () => {
  it('lists everything, then deletes files, folders and swept resources of dead builds', async () => {
    const keyFile = join(dir, 'tsimg-key-abc')
    const tmpFolder = join(dir, 'upload-tree')
    const marker = join(dir, 'instance-i-123')
    const sweepDir = join(dir, 'cloud')
    await writeFile(keyFile, 'PRIVATE KEY', { mode: 0o600 })
    await mkdir(join(tmpFolder, 'nested'), { recursive: true })
    await writeFile(join(tmpFolder, 'nested', 'f.txt'), 'x')
    await writeFile(marker, 'instance')
    await mkdir(sweepDir)
    // Created by the killed build but never journaled: only the label finds it.
    await writeFile(join(sweepDir, 'tsimg-build1-orphan'), 'x')
    await writeFile(join(sweepDir, 'tsimg-other-build-keep'), 'not ours')

    await writeJournal({
      buildId: 'tsimg-build1',
      build: 'docker.web',
      pid: deadPid,
      resources: [
        entry('@tsimg/core', 'file', `temporary SSH key ${keyFile}`, { path: keyFile }),
        entry('@tsimg/core', 'dir', `temporary folder ${tmpFolder}`, { path: tmpFolder }),
        entry(MARKER_PLUGIN, 'marker', `instance i-123`, { path: marker }),
      ],
      scopes: [{ plugin: MARKER_PLUGIN, data: { dir: sweepDir } }],
    })

    // A journal write cut short by kill -9 leaves its temp file next to the journal.
    await writeFile(join(stateDir, 'journal', `tsimg-build1.json.${deadPid}.tmp`), '{"version":1')

    const dry = await runCli(['cleanup', '-dry-run', '-state-dir', stateDir])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain('--> docker.web (build id tsimg-build1')
    expect(dry.stdout).toContain(`    temporary SSH key ${keyFile}`)
    expect(dry.stdout).toContain(`    temporary folder ${tmpFolder}`)
    expect(dry.stdout).toContain('    instance i-123')
    expect(dry.stdout).toContain('Dry run: nothing was deleted')
    expect((await readdir(dir)).sort()).toEqual(['cloud', 'instance-i-123', 'tsimg-key-abc', 'upload-tree'])
    expect((await journals()).sort()).toEqual(['tsimg-build1.json', `tsimg-build1.json.${deadPid}.tmp`])

    const r = await runCli(['cleanup', '--state-dir', stateDir])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = r.stdout
    // Listed before anything is deleted; deleted newest first.
    expect(out.indexOf('    instance i-123')).toBeLessThan(out.indexOf('Deleting'))
    const order = [...out.matchAll(/Deleting (.*)\.\.\./g)].map((m) => m[1])
    expect(order).toEqual([
      'instance i-123',
      `temporary folder ${tmpFolder}`,
      `temporary SSH key ${keyFile}`,
      'labelled file tsimg-build1-orphan (found by label)',
    ])
    expect((await readdir(dir)).sort()).toEqual(['cloud'])
    expect(await readdir(sweepDir)).toEqual(['tsimg-other-build-keep'])
    expect(await journals()).toEqual([])
  })

  it('reports what it could not delete, keeps going, exits 1 and keeps only that entry', async () => {
    const a = join(dir, 'a.key')
    const b = join(dir, 'b.key')
    await writeFile(a, 'x')
    await writeFile(b, 'x')
    const stuck = entry(MARKER_PLUGIN, 'stuck', 'security group sg-9', { path: 'sg-9' })
    const missing = entry('@tsimg/no-such-plugin', 'vpc', 'vpc vpc-1', { id: 'vpc-1' })
    const path = await writeJournal({
      buildId: 'tsimg-build2',
      build: 'amazon-ebs.base',
      pid: deadPid,
      resources: [entry('@tsimg/core', 'file', `key ${a}`, { path: a }), stuck, missing, entry('@tsimg/core', 'file', `key ${b}`, { path: b })],
      scopes: [],
    })
    const r = await runCli(['cleanup', '-state-dir', stateDir])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/Failed to delete security group sg-9: the API refused.*\n\s+Delete it by hand/)
    expect(r.stdout).toMatch(/Failed to delete vpc vpc-1: cannot load plugin module '@tsimg\/no-such-plugin'/)
    expect(r.stdout).toContain('2 of the 4 listed resource(s) could not be deleted (2 deleted)')
    expect(await readdir(dir)).toEqual([])
    const left = JSON.parse(await readFile(path, 'utf8')) as JournalFile
    expect(left.resources.map((x) => x.description)).toEqual(['security group sg-9', 'vpc vpc-1'])
  })

  it('counts a search that could not run apart from the listed resources (never "4 could not be deleted" after listing 3)', async () => {
    const stuck = (n: number) => entry(MARKER_PLUGIN, 'stuck', `security group sg-${n}`, { path: `sg-${n}` })
    await writeJournal({
      buildId: 'tsimg-build3',
      build: 'amazon-ebs.base',
      pid: deadPid,
      resources: [stuck(1), stuck(2), stuck(3)],
      scopes: [{ plugin: '@tsimg/no-such-plugin', data: { region: 'r1' } }],
    })
    const r = await runCli(['cleanup', '-state-dir', stateDir])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('(3 resource(s)):')
    expect(r.stdout).toContain(
      '3 of the 3 listed resource(s) could not be deleted, 1 search(es) for resources labelled with the build id could not run (0 deleted)',
    )
  })

  it('leaves the journal of a build that is still running alone', async () => {
    const f = join(dir, 'live.key')
    await writeFile(f, 'x')
    // This test process is alive: its journal belongs to a running build.
    await writeJournal({
      buildId: 'tsimg-live',
      build: 'docker.live',
      pid: process.pid,
      resources: [entry('@tsimg/core', 'file', `key ${f}`, { path: f })],
      scopes: [],
    })
    const r = await runCli(['cleanup', '-state-dir', stateDir])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`Skipping build 'docker.live' (tsimg-live): still running as pid ${process.pid}`)
    expect(await readdir(dir)).toEqual(['live.key'])
    expect(await journals()).toEqual(['tsimg-live.json'])
  })

  it('a journal older than the process now holding its pid (reused after a reboot) is cleaned up', async () => {
    const f = join(dir, 'old.key')
    await writeFile(f, 'x')
    // This test process is alive, but it started long after this journal was written.
    await writeJournal({
      buildId: 'tsimg-old',
      build: 'docker.old',
      pid: process.pid,
      startedAt: '2020-01-01T00:00:00.000Z',
      resources: [entry('@tsimg/core', 'file', `key ${f}`, { path: f })],
      scopes: [],
    })
    const r = await runCli(['cleanup', '-state-dir', stateDir])
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain('Skipping')
    expect(await readdir(dir)).toEqual([])
    expect(await journals()).toEqual([])
  })

  it('is a library function too, and says when there is nothing to do', async () => {
    const lines: string[] = []
    const empty = await cleanupLeftovers({ stateDir, log: (t) => lines.push(t) })
    expect(empty).toMatchObject({ journals: 0, found: 0, deleted: 0, failed: [] })
    expect(lines.join('\n')).toContain('No leftovers of killed builds')

    const f = join(dir, 'x.key')
    await writeFile(f, 'x')
    await writeJournal({
      buildId: 'tsimg-lib',
      build: 'docker.lib',
      pid: deadPid,
      resources: [entry('@tsimg/core', 'file', `key ${f}`, { path: f })],
      scopes: [],
    })
    const report = await cleanupLeftovers({ stateDir, log: (t) => lines.push(t) })
    expect(report).toMatchObject({ journals: 1, found: 1, deleted: 1, failed: [] })
    expect(await readdir(dir)).toEqual([])
    expect(await journals()).toEqual([])
  })

  it('after kill -9 of a real build, tsimg cleanup deletes what it left', async () => {
    const work = join(dir, 'work')
    await mkdir(work)
    const run = startCli(['build', SLOW_TEMPLATE, '-var', `workDir=${work}`, '-var', 'sleepSeconds=30'], { TSIMG_STATE_DIR: stateDir })
    await run.waitFor('local.one: Running a long step')
    await run.waitFor('local.two: Running a long step')
    expect(await readdir(work)).toHaveLength(4)
    run.child.kill('SIGKILL')
    await run.done
    expect(await journals()).toHaveLength(2)

    const r = await runCli(['cleanup', '-state-dir', stateDir])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Leftovers of 2 killed build\(s\) \(4 resource\(s\)\)/)
    expect(r.stdout).toContain('Cleanup finished: 4 resource(s) deleted.')
    expect(await readdir(work)).toEqual([])
    expect(await journals()).toEqual([])
  })
})
