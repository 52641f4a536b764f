import { spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { docker, tsimgResources } from '@tsimg/builder-docker'
import { cleanupLeftovers, validate } from '@tsimg/core/node'
import type { ResourceContext } from '@tsimg/core/plugin'
import { BASE_IMAGE, RUN_ID, dockerOut, imageExists, removeImages, sandbox, type Sandbox } from './helpers.js'

// Each case runs whole docker builds: on a machine busy with other work one takes minutes.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

const here = dirname(fileURLToPath(import.meta.url))
const ctx: ResourceContext = { signal: new AbortController().signal, log: () => {} }
const started: string[] = []
const NAME = `killed-${RUN_ID}`
let sb: Sandbox
let child: ReturnType<typeof spawn> | undefined

beforeAll(async () => {
  sb = await sandbox()
})
afterAll(async () => {
  child?.kill('SIGKILL')
  await cleanupLeftovers({ stateDir: sb.stateDir, log: () => {}, cwd: join(here, '..') })
  for (const id of started) await dockerOut('rm', '-f', id).catch(() => undefined)
  await removeImages(`tsimg-test/${NAME}:1`)
  await sb.dispose()
})

async function orphan(buildId: string): Promise<string> {
  const id = await dockerOut(
    'run',
    '-d',
    '--pull',
    'never',
    '--label',
    `tsimg-build-id=${buildId}`,
    '--label',
    'tsimg-build=docker.orphan',
    BASE_IMAGE,
    'sleep',
    '300',
  )
  started.push(id)
  return id
}

describe('tsimgResources (what tsimg cleanup uses)', () => {
  it('sweep finds a container labelled with the build id, and only that one', async () => {
    const mine = await orphan(`tsimg-sweep-${RUN_ID}-a`)
    const other = await orphan(`tsimg-sweep-${RUN_ID}-b`)
    const found = await tsimgResources.sweep!({}, [`tsimg-sweep-${RUN_ID}-a`], ctx)
    expect(found.map((f) => f.description)).toEqual([`container ${mine.slice(0, 12)} (docker.orphan tsimg-sweep-${RUN_ID}-a)`])
    await found[0]!.delete()
    expect(await dockerOut('ps', '-a', '-q', '--filter', `label=tsimg-build-id=tsimg-sweep-${RUN_ID}-a`)).toBe('')
    expect(await dockerOut('ps', '-a', '-q', '--no-trunc', '--filter', `label=tsimg-build-id=tsimg-sweep-${RUN_ID}-b`)).toBe(other)
  })

  it('deleteResource removes a container; one already gone counts as deleted', async () => {
    const id = await orphan('tsimg-delete-test')
    await tsimgResources.deleteResource('container', { id }, ctx)
    expect(await dockerOut('ps', '-a', '-q', '--filter', `id=${id}`)).toBe('')
    await expect(tsimgResources.deleteResource('container', { id }, ctx)).resolves.toBeUndefined()
    await expect(tsimgResources.deleteResource('image', { id: `sha256:${'0'.repeat(64)}` }, ctx)).resolves.toBeUndefined()
    await expect(tsimgResources.deleteResource('volume', { id }, ctx)).rejects.toThrow(/does not know how to delete a resource of kind 'volume'/)
  })

  it('kill -9 during provisioning, then tsimg cleanup deletes the container; the temporary key was never on disk', async () => {
    const bin = join(here, '..', '..', 'core', 'bin', 'tsimg.js')
    const proc = spawn(process.execPath, [bin, 'build', join(here, 'fixtures', 'slow-build.ts')], {
      env: { ...process.env, TSIMG_STATE_DIR: sb.stateDir, TSIMG_TEST_NAME: NAME },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child = proc
    let out = ''
    // No time limit of its own (the test's is generous): a busy machine may take minutes.
    await new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString()
        if (out.includes('provisioning-started')) resolve()
      }
      proc.stdout.on('data', onData)
      proc.stderr.on('data', onData)
      proc.once('exit', () => reject(new Error(`build exited early:\n${out}`)))
    })
    proc.kill('SIGKILL')
    await new Promise((r) => proc.once('exit', r))

    const containers = await dockerOut('ps', '-a', '-q', '--filter', `label=tsimg-build=docker.${NAME}`)
    expect(containers).not.toBe('')
    expect(await readdir(join(sb.stateDir, 'keys')).catch(() => [])).toEqual([])
    const lines: string[] = []
    const report = await cleanupLeftovers({ stateDir: sb.stateDir, log: (l) => lines.push(l), cwd: join(here, '..') })
    expect(report.failed).toEqual([])
    expect(lines.join('\n')).toMatch(new RegExp(`container [0-9a-f]{12} \\(docker\\.${NAME}\\)`))
    expect(await dockerOut('ps', '-a', '-q', '--filter', `label=tsimg-build=docker.${NAME}`)).toBe('')
    expect(await readdir(join(sb.stateDir, 'keys')).catch(() => [])).toEqual([])
    expect(await readdir(join(sb.stateDir, 'journal'))).toEqual([])
    expect(await imageExists(`tsimg-test/${NAME}:1`)).toBe(false)
  })
})

describe('docker options are checked before anything is created', () => {
  const check = (o: Record<string, unknown>) => validate({ template: { sources: [docker({ name: 'v', image: BASE_IMAGE, ...o } as never)] }, typecheck: false })

  it('accepts good options', async () => {
    await expect(check({ tags: ['acme/web:1.0', 'localhost:5000/acme/web'], changes: ['CMD ["x"]', 'expose 80'] })).resolves.toBeTruthy()
  })
  it.each([
    [{ tags: ['Acme/Web:1'] }, /tags\[0\]: not a valid repository\[:tag\]/],
    [{ changes: ['RUN apt-get update'] }, /changes\[0\]: must start with one of CMD, ENTRYPOINT/],
    [{ imagee: 'x' }, /imagee: unknown option/],
    [{ sshHost: '10.0.0.1' }, /sshHost: unknown option/],
    [{ env: { 'BAD-NAME': 'x' } }, /env/],
    [{ volumes: { './nope-does-not-exist': '/data' } }, /does not exist/],
    [{ communicator: 'ssh', sshPrivateKeyFile: '/nonexistent/key' }, /cannot read private key file/],
    [
      { sshPrivateKeyFile: '/nonexistent/key' },
      /sources\[0\] \(docker\.v\)\.sshPrivateKeyFile: sshPrivateKeyFile applies only with communicator: 'ssh' \(this source uses 'docker'\)/,
    ],
    [{ communicator: 'ssh', execUser: 'app' }, /execUser applies only with communicator: 'docker'/],
    [{ communicator: 'winrm' }, /communicator/],
    [{ platform: 'linux amd64' }, /platform: os\[\/arch\[\/variant\]\]/],
  ])('rejects %j', async (o, message) => {
    await expect(check(o)).rejects.toThrow(message)
  })
})
