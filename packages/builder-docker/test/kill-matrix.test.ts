// kill -9 of `tsimg build` at chosen moments of a docker build, then `tsimg cleanup` at once:
// nothing may be left, containers or images. held-docker.sh stops the build exactly at each
// moment (no timing luck), and keeps the held docker command running after tsimg died, as a
// real slow `docker run`/`docker commit` would; the test lets it go on only once cleanup says
// it is waiting for it, so a cleanup that did not wait would look too early and leak.
import { spawn } from 'node:child_process'
import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { cleanupLeftovers } from '@tsimg/core/node'
import { RUN_ID, dockerOut, imageExists, removeImages, sandbox, type Sandbox } from './helpers.js'

// Each case runs whole docker builds: on a machine busy with other work one takes minutes.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

const here = dirname(fileURLToPath(import.meta.url))
const pkgDir = join(here, '..')
const BIN = join(pkgDir, '..', 'core', 'bin', 'tsimg.js')
const HELD_DOCKER = join(here, 'fixtures', 'held-docker.sh')
const TEMPLATE = join(here, 'fixtures', 'quick-build.ts')

let sb: Sandbox
// One state dir per case, so a case that fails leaves nothing in the next one's way.
const holdDirs: string[] = []
const children: Array<ReturnType<typeof spawn>> = []

beforeAll(async () => {
  sb = await sandbox()
})
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL')
  // A failed test may leave a held docker command waiting: let it finish, then clean up.
  for (const d of holdDirs) await writeFile(join(d, 'release'), '').catch(() => undefined)
  for (const d of holdDirs) await cleanupLeftovers({ stateDir: join(d, 'state'), log: () => {}, cwd: pkgDir })
  await sb.dispose()
})

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  )

/** Polls for a file; fails at once (with the build's output) if the process ended first. */
async function waitForFile(path: string, proc?: ReturnType<typeof spawn>, output?: () => string): Promise<void> {
  while (!(await exists(path))) {
    if (proc && (proc.exitCode !== null || proc.signalCode !== null)) throw new Error(`tsimg exited before ${path} appeared:\n${output?.()}`)
    await sleep(100)
  }
}

function run(args: string[], stateDir: string, env: Record<string, string>) {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: pkgDir,
    env: { ...process.env, TSIMG_STATE_DIR: stateDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(proc)
  let out = ''
  const listeners: Array<() => void> = []
  const onData = (d: Buffer) => {
    out += d.toString()
    for (const l of listeners) l()
  }
  proc.stdout!.on('data', onData)
  proc.stderr!.on('data', onData)
  const exited = new Promise<number | null>((r) => proc.once('close', (code) => r(code)))
  const waitForText = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (out.includes(text) ? resolve() : undefined)
      listeners.push(check)
      check()
      void exited.then(() => (out.includes(text) ? resolve() : reject(new Error(`exited without printing ${JSON.stringify(text)}:\n${out}`))))
    })
  return { proc, output: () => out, exited, waitForText }
}

/** Containers of the build (by its name label) and images committed from them or labelled with its id. */
async function leftovers(name: string, buildId: string, containerIds: readonly string[]) {
  const containers = await dockerOut('ps', '-a', '-q', '--no-trunc', '--filter', `label=tsimg-build=docker.${name}`)
  const labelled = await dockerOut('image', 'ls', '-q', '--filter', `label=tsimg-image-build-id=${buildId}`)
  // Independent of any label tsimg sets: every image whose parent container was the build's.
  const all = [...new Set((await dockerOut('image', 'ls', '-a', '-q', '--no-trunc')).split('\n').filter(Boolean))]
  const format = ['image', 'inspect', '--format', '{{.Id}} {{.Container}}']
  // One inspect for all; if an image went away meanwhile (the daemon is shared), one by one.
  const parents =
    all.length === 0
      ? ''
      : await dockerOut(...format, ...all).catch(async () => (await Promise.all(all.map((id) => dockerOut(...format, id).catch(() => '')))).join('\n'))
  const committed = parents
    .split('\n')
    .filter((l) => containerIds.includes(l.split(' ')[1] ?? ''))
    .map((l) => l.split(' ')[0])
  return { containers, labelled, committed, tagged: await imageExists(`tsimg-test/${name}:1`) }
}

// `waits`: a docker command that creates something is still running when tsimg dies, so
// cleanup must wait for it.
const moments = [
  { hold: 'run:before', waits: 'docker run' },
  { hold: 'run:after', waits: 'docker run' },
  { hold: 'stop:before', waits: undefined },
  { hold: 'commit:before', waits: 'docker commit' },
  { hold: 'commit:after', waits: 'docker commit' },
  { hold: 'tag:before', waits: undefined },
] as const

describe('kill -9 of a docker build, then tsimg cleanup at once', () => {
  it.each(moments)('held at $hold: cleanup leaves no container and no image', async ({ hold, waits }) => {
    const name = `held-${hold.replace(':', '-')}-${RUN_ID}`
    const holdDir = join(sb.dir, name)
    const stateDir = join(holdDir, 'state')
    await mkdir(holdDir)
    holdDirs.push(holdDir)
    try {
      const build = run(['build', TEMPLATE], stateDir, {
        TSIMG_DOCKER_BIN: HELD_DOCKER,
        TSIMG_TEST_HOLD: hold,
        TSIMG_TEST_HOLD_DIR: holdDir,
        TSIMG_TEST_NAME: name,
      })
      await waitForFile(join(holdDir, 'held'), build.proc, build.output)
      const containerIds = (await dockerOut('ps', '-a', '-q', '--no-trunc', '--filter', `label=tsimg-build=docker.${name}`)).split('\n').filter(Boolean)
      build.proc.kill('SIGKILL')
      await build.exited

      const journals = await readdir(join(stateDir, 'journal'))
      expect(journals).toHaveLength(1)
      const buildId = (JSON.parse(await readFile(join(stateDir, 'journal', journals[0]!), 'utf8')) as { buildId: string }).buildId

      const cleanup = run(['cleanup'], stateDir, {})
      if (waits) {
        // Only once cleanup waits for it does the held command go on and make its container/image.
        await cleanup.waitForText(`Waiting for ${waits} (pid`)
        await writeFile(join(holdDir, 'release'), '')
      }
      expect(await cleanup.exited, cleanup.output()).toBe(0)
      // A held `docker stop`/`docker tag` goes on only now, against what cleanup deleted.
      await writeFile(join(holdDir, 'release'), '')
      await waitForFile(join(holdDir, 'done'))
      // A container made after `docker run` was held has an id only now.
      const made = (await dockerOut('ps', '-a', '-q', '--no-trunc', '--filter', `label=tsimg-build=docker.${name}`)).split('\n').filter(Boolean)

      expect(cleanup.output()).not.toMatch(/could not be deleted|Failed to delete/)
      expect(await leftovers(name, buildId, [...containerIds, ...made])).toEqual({ containers: '', labelled: '', committed: [], tagged: false })
      expect(await readdir(join(stateDir, 'journal'))).toEqual([])
      expect(await readdir(join(stateDir, 'keys')).catch(() => [])).toEqual([])
    } finally {
      await writeFile(join(holdDir, 'release'), '').catch(() => undefined)
      await removeImages(`tsimg-test/${name}:1`)
    }
  })
})
