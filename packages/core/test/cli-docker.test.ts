// The CLI's promises on a real docker build: Ctrl-C during provisioning tears everything down,
// and after kill -9 `tsimg cleanup` removes the container (the temporary key was only in memory).
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { JournalFile } from '../dist/journal/journal.js'
import { runCli, startCli } from './fixtures/cli/run-cli.js'

// Each case runs whole docker builds: on a machine busy with other work one takes minutes.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

const exec = promisify(execFile)
const TEMPLATE = fileURLToPath(new URL('./fixtures/cli/docker-slow.ts', import.meta.url))

let stateDir: string
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'tsimg-cli-docker-'))
})
let buildId: string | undefined
afterEach(async () => {
  // Never leave a container behind, whatever the test did.
  if (buildId) {
    const ids = await containers(buildId)
    if (ids.length > 0) await exec('docker', ['rm', '-f', ...ids])
  }
  buildId = undefined
  await rm(stateDir, { recursive: true, force: true })
})

async function containers(id: string): Promise<string[]> {
  const { stdout } = await exec('docker', ['ps', '-aq', '--filter', `label=tsimg-build-id=${id}`])
  return stdout.split('\n').filter(Boolean)
}

function buildIdFrom(output: string): string {
  const m = /tsimg-build-id=(tsimg-[a-z0-9]+)/.exec(output)
  if (!m) throw new Error(`no build id in output:\n${output}`)
  return m[1]!
}

describe('tsimg build with docker', () => {
  it('SIGINT while a provisioner runs: cleanup runs, exit 130, no container, no journal', async () => {
    const run = startCli(['build', TEMPLATE], { TSIMG_STATE_DIR: stateDir })
    await run.waitFor('provisioning-started')
    buildId = buildIdFrom(run.output())
    expect(await containers(buildId)).toHaveLength(1)
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code).toBe(130)
    expect(r.stdout).toContain('==> Cancelling build after receiving interrupt...')
    expect(r.stdout).toMatch(/^Build 'docker\.slow' was cancelled after /m)
    expect(await containers(buildId)).toEqual([])
    expect(await readdir(join(stateDir, 'journal'))).toEqual([])
  })

  it('kill -9 mid-build, then tsimg cleanup lists and deletes the container; the temporary key was never on disk', async () => {
    const run = startCli(['build', TEMPLATE], { TSIMG_STATE_DIR: stateDir })
    await run.waitFor('provisioning-started')
    buildId = buildIdFrom(run.output())
    run.child.kill('SIGKILL')
    await run.done
    const [journalName] = await readdir(join(stateDir, 'journal'))
    const journal = JSON.parse(await readFile(join(stateDir, 'journal', journalName!), 'utf8')) as JournalFile
    expect(journal.resources.map((r) => r.kind)).toEqual(['container'])
    expect(await readdir(join(stateDir, 'keys')).catch(() => [])).toEqual([])
    expect(await containers(buildId)).toHaveLength(1)

    const r = await runCli(['cleanup', '-state-dir', stateDir])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`--> docker.slow (build id ${buildId}`)
    expect(r.stdout.indexOf('--> docker.slow')).toBeLessThan(r.stdout.indexOf('Deleting'))
    expect(await containers(buildId)).toEqual([])
    expect(await readdir(join(stateDir, 'journal'))).toEqual([])
  })
})
