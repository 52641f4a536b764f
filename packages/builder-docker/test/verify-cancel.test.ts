// The verify machine is a temporary resource like the others: a cancel while it starts, and a
// kill -9 while it starts followed by `tsimg cleanup`, leave no container and no image. The
// held docker CLI (held-nth-docker.sh) stops the verify container's `docker run` (the build's
// second) exactly there, so no timing decides where the cancel or the kill lands.
import { spawn } from 'node:child_process'
import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { build, cleanupLeftovers, type BuildEvent } from '@tsimg/core/node'
import { RUN_ID, dockerOut, imageExists, removeImages, sandbox, type Sandbox } from './helpers.js'

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

const here = dirname(fileURLToPath(import.meta.url))
const pkgDir = join(here, '..')
const BIN = join(pkgDir, '..', 'core', 'bin', 'tsimg.js')
const HELD = join(here, 'fixtures', 'held-nth-docker.sh')
const TEMPLATE = join(here, 'fixtures', 'verify-build.ts')

let sb: Sandbox
const holdDirs: string[] = []
const children: Array<ReturnType<typeof spawn>> = []

beforeAll(async () => {
  sb = await sandbox()
})
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL')
  for (const d of holdDirs) await writeFile(join(d, 'release'), '').catch(() => undefined)
  for (const d of holdDirs) await cleanupLeftovers({ stateDir: join(d, 'state'), log: () => {}, cwd: pkgDir })
  await sb.dispose()
})

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  )

/** Polls for a file the held docker CLI writes; fails at once if `ended()` says the build is over. */
async function waitForFile(path: string, ended: () => string | undefined): Promise<void> {
  while (!(await exists(path))) {
    const why = ended()
    if (why !== undefined) throw new Error(`the build ended before ${path} appeared:\n${why}`)
    await sleep(100)
  }
}

/** What a build of `name` left in Docker: its containers (both carry its name label), and images of its id or tag. */
async function left(name: string, buildId: string) {
  return {
    containers: await dockerOut('ps', '-a', '-q', '--filter', `label=tsimg-build=docker.${name}`),
    images: await dockerOut('image', 'ls', '-q', '--filter', `label=tsimg-image-build-id=${buildId}`),
    tagged: await imageExists(`tsimg-test/${name}:1`),
  }
}
const NOTHING_LEFT = { containers: '', images: '', tagged: false }

async function holdDir(name: string): Promise<string> {
  const dir = join(sb.dir, name)
  await mkdir(join(dir, 'state'), { recursive: true })
  holdDirs.push(dir)
  return dir
}

describe('the verify machine is torn down like every temporary resource', () => {
  it.each(['run:before', 'run:after'] as const)('cancel while the verify container starts (held at %s): no container, no image, no journal', async (hold) => {
    const name = `vcancel-${hold.replace(':', '-')}-${RUN_ID}`
    const dir = await holdDir(name)
    vi.stubEnv('TSIMG_DOCKER_BIN', HELD)
    vi.stubEnv('TSIMG_TEST_HOLD', hold)
    vi.stubEnv('TSIMG_TEST_HOLD_NTH', '2')
    vi.stubEnv('TSIMG_TEST_HOLD_DIR', dir)
    vi.stubEnv('TSIMG_TEST_NAME', name)
    const ac = new AbortController()
    const events: BuildEvent[] = []
    let result: Awaited<ReturnType<typeof build>> | undefined
    const running = build({
      templateFile: TEMPLATE,
      typecheck: false,
      stateDir: join(dir, 'state'),
      signal: ac.signal,
      onEvent: (e) => void events.push(e),
    }).then((r) => (result = r))
    await waitForFile(join(dir, 'held'), () => (result ? JSON.stringify(result.builds[0]?.error?.message) : undefined))
    // The cancel lands in the verify machine's start: the build's own container is committed already.
    expect(
      events
        .filter((e) => e.type === 'step-start')
        .map((e) => (e as { step: string }).step)
        .at(-1),
    ).toBe('verify:docker:start-container')
    ac.abort()
    // The held `docker run` goes on only now: what it makes after the cancel must still go.
    await writeFile(join(dir, 'release'), '')
    await running
    const b = result!.builds[0]!
    expect(b.outcome).toBe('cancelled')
    expect(b.leftovers).toEqual([])
    expect(await left(name, b.buildId)).toEqual(NOTHING_LEFT)
    expect(await readdir(join(dir, 'state', 'journal'))).toEqual([])
  })

  it('kill -9 while the verify container starts, then tsimg cleanup: no container, no image', async () => {
    const name = `vkill-${RUN_ID}`
    const dir = await holdDir(name)
    const stateDir = join(dir, 'state')
    const proc = spawn(process.execPath, [BIN, 'build', TEMPLATE], {
      cwd: pkgDir,
      env: {
        ...process.env,
        TSIMG_STATE_DIR: stateDir,
        TSIMG_DOCKER_BIN: HELD,
        TSIMG_TEST_HOLD: 'run:after',
        TSIMG_TEST_HOLD_NTH: '2',
        TSIMG_TEST_HOLD_DIR: dir,
        TSIMG_TEST_NAME: name,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(proc)
    let out = ''
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise((r) => proc.once('close', r))
    await waitForFile(join(dir, 'held'), () => (proc.exitCode !== null ? out : undefined))
    expect(out).toContain('Verifying: starting a container of the new image')
    proc.kill('SIGKILL')
    await exited
    const journals = await readdir(join(stateDir, 'journal'))
    expect(journals).toHaveLength(1)
    const journal = JSON.parse(await readFile(join(stateDir, 'journal', journals[0]!), 'utf8')) as { buildId: string; resources: { kind: string }[] }
    // The build container, the image still to be verified, and the verify container's `docker run`.
    expect(journal.resources.map((r) => r.kind).sort()).toEqual(['container', 'image', 'pending'])

    const cleanup = spawn(process.execPath, [BIN, 'cleanup'], {
      cwd: pkgDir,
      env: { ...process.env, TSIMG_STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    children.push(cleanup)
    let cout = ''
    const waiting = new Promise<void>((resolve) => {
      const on = (d: Buffer) => {
        cout += d.toString()
        if (cout.includes('Waiting for docker run (pid')) resolve()
      }
      cleanup.stdout!.on('data', on)
      cleanup.stderr!.on('data', on)
    })
    const cleaned = new Promise<number | null>((r) => cleanup.once('close', (code) => r(code)))
    await Promise.race([waiting, cleaned])
    // The held `docker run` finishes only once cleanup waits for it.
    await writeFile(join(dir, 'release'), '')
    expect(await cleaned, cout).toBe(0)
    expect(cout).toContain('Waiting for docker run (pid')
    expect(cout).not.toMatch(/could not be deleted|Failed to delete/)
    expect(await left(name, journal.buildId)).toEqual(NOTHING_LEFT)
    expect(await readdir(join(stateDir, 'journal'))).toEqual([])
    await removeImages(`tsimg-test/${name}:1`)
  })
})
