import { spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { cleanupLeftovers } from '@tsimg/core/node'
import { RUN_ID, dockerOut, imageExists, removeImages, sandbox, type Sandbox } from './helpers.js'

// Each case runs whole docker builds: on a machine busy with other work one takes minutes.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

// Through the `tsimg` CLI, as a user runs it: the example build, --force, and Ctrl-C.

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..', '..')
const bin = join(root, 'packages', 'core', 'bin', 'tsimg.js')
const EXAMPLE_TAG = `tsimg-test/example-${RUN_ID}:ci`
const NAME = `interrupted-${RUN_ID}`
let sb: Sandbox
/** CLI processes still running when a test fails or times out; afterAll ends them. */
const running = new Set<ReturnType<typeof spawn>>()

beforeAll(async () => {
  sb = await sandbox()
  await removeImages(EXAMPLE_TAG, `tsimg-test/${NAME}:1`)
})
afterAll(async () => {
  // Each killed CLI has exited (its journal is no longer held) before cleanup reads the journals.
  await Promise.all(
    [...running].map((child) => {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGKILL')
      return exited
    }),
  )
  // Whatever a failed test left (a killed CLI's container and key) goes the way users clean up.
  await cleanupLeftovers({ stateDir: sb.stateDir, log: () => {}, cwd: root })
  await removeImages(EXAMPLE_TAG, `tsimg-test/${NAME}:1`)
  await sb.dispose()
})

interface Run {
  code: number | null
  out: string
}

/** Runs `tsimg <args>` from the repository root; `onOutput` may signal the process. */
function tsimg(
  args: string[],
  onOutput?: (out: string, child: ReturnType<typeof spawn>) => void,
  name = NAME,
  extraEnv: Record<string, string> = {},
): Promise<Run> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, TSIMG_STATE_DIR: sb.stateDir, TSIMG_TEST_NAME: name, NO_COLOR: '1', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  let out = ''
  const onData = (d: Buffer) => {
    out += d.toString()
    onOutput?.(out, child)
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })))
}

/** No container of the build whose id the output shows, no key file, no journal. */
async function nothingLeft(out: string): Promise<void> {
  const ids = [...out.matchAll(/--label tsimg-build-id=(\S+)/g)].map((m) => m[1]!)
  expect(ids.length).toBeGreaterThan(0)
  for (const id of ids) expect(await dockerOut('ps', '-a', '-q', '--filter', `label=tsimg-build-id=${id}`)).toBe('')
  expect(await readdir(join(sb.stateDir, 'keys')).catch(() => [])).toEqual([])
  expect(await readdir(join(sb.stateDir, 'journal')).catch(() => [])).toEqual([])
}

describe('tsimg build with the docker builder', () => {
  it('builds examples/docker, refuses to overwrite it, and replaces it with -force', async () => {
    const args = ['build', '-var', `image=${EXAMPLE_TAG}`, 'examples/docker/image.ts']
    const first = await tsimg(args)
    expect(first.out).toContain('==> docker.example: Starting docker container...')
    // The default communicator: docker exec, so no SSH port is published and no sshd started.
    expect(first.out).toMatch(
      /docker\.example: Run command: docker run -d --label tsimg-build-id=\S+ --label tsimg-build=docker\.example tsimg\/debian-ssh:bookworm /,
    )
    expect(first.out).toContain('==> docker.example: Using docker communicator to connect: ')
    expect(first.out).toContain(`--> docker.example: Imported Docker image: ${EXAMPLE_TAG}`)
    expect(first.code).toBe(0)
    const out = await dockerOut('run', '--rm', '--pull', 'never', EXAMPLE_TAG)
    expect(out).toContain('== hello from tsimg')
    expect(out).toContain('/srv/site/assets/style.css')
    expect(out).toContain('listen = 8080')

    const again = await tsimg(args)
    expect(again.code).toBe(1)
    expect(again.out).toContain(`image ${EXAMPLE_TAG} already exists; use --force to replace it`)

    const forced = await tsimg(['build', '-force', ...args.slice(1)])
    expect(forced.code).toBe(0)
    expect(forced.out).toContain(`Force flag found: image ${EXAMPLE_TAG}`)
    await nothingLeft(first.out + forced.out)
  })

  it('Ctrl-C (SIGINT) during provisioning tears everything down and exits 130', async () => {
    let sent = false
    const r = await tsimg(['build', join(here, 'fixtures', 'slow-build.ts')], (out, child) => {
      if (!sent && out.includes('provisioning-started')) {
        sent = true
        child.kill('SIGINT')
      }
    })
    expect(r.out).toContain('provisioning-started')
    expect(r.code).toBe(130)
    expect(r.out).toContain(`==> docker.${NAME}: Killing the container:`)
    await nothingLeft(r.out)
    expect(await imageExists(`tsimg-test/${NAME}:1`)).toBe(false)
  })

  it('-on-error=abort keeps the container for inspection; tsimg cleanup then removes it', async () => {
    const name = `aborted-${RUN_ID}`
    // The build ends by itself (exit 1) even though it leaves the container: nothing may
    // hold the process open. If it hangs, the test's timeout fails it.
    const r = await tsimg(['build', '-on-error=abort', join(here, 'fixtures', 'slow-build.ts')], () => {}, name, { TSIMG_TEST_FAIL: '1' })
    expect(r.code).toBe(1)
    expect(r.out).toContain('Build stopped without cleanup')
    expect(r.out).not.toContain('Killing the container')
    const id = /--label tsimg-build-id=(\S+)/.exec(r.out)![1]!
    expect(await dockerOut('ps', '-a', '-q', '--filter', `label=tsimg-build-id=${id}`)).not.toBe('')

    const c = await tsimg(['cleanup'])
    expect(c.code).toBe(0)
    expect(c.out).toContain(`docker.${name}`)
    await nothingLeft(r.out)
  })
})
