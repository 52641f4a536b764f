// Ctrl-C twice on a docker build: the first SIGINT while `docker run` is held (held-docker.sh;
// the build's start step then awaits that create, which no signal can stop: the daemon would
// make the container anyway), the second once the cleanup runs. The process exits at once,
// lists the docker run it leaves (journal kept); `tsimg cleanup` waits for that run, then
// deletes the container it made.
import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { interruptTwice, runTsimg } from '../../../test/support/interrupt-twice.js'
import { RUN_ID, dockerOut, removeImages, sandbox, type Sandbox } from './helpers.js'

const here = import.meta.dirname
const HELD_DOCKER = join(here, 'fixtures', 'held-docker.sh')
const TEMPLATE = join(here, 'fixtures', 'quick-build.ts')
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  )

let sb: Sandbox
beforeAll(async () => {
  sb = await sandbox()
})
afterAll(async () => {
  await writeFile(join(sb.dir, 'release'), '').catch(() => undefined)
  await sb.dispose()
})

it('a second SIGINT while the start step awaits a held docker run exits at once with 130, lists that run, keeps the journal; tsimg cleanup waits for it and leaves no container', async () => {
  const name = `twice-${RUN_ID}`
  const holdDir = sb.dir
  const stateDir = join(holdDir, 'state')
  await mkdir(stateDir, { recursive: true })
  const env = {
    ...process.env,
    TSIMG_STATE_DIR: stateDir,
    TSIMG_DOCKER_BIN: HELD_DOCKER,
    TSIMG_TEST_HOLD: 'run:before',
    TSIMG_TEST_HOLD_DIR: holdDir,
    TSIMG_TEST_NAME: name,
    NO_COLOR: '1',
  }
  try {
    const r = await interruptTwice({
      name: 'docker',
      args: ['build', TEMPLATE],
      env,
      cwd: join(here, '..'),
      held: () => exists(join(holdDir, 'held')),
      cleaning: (out) => out.includes('Cancelling build after receiving interrupt...'),
    })
    expect(r.sent, r.out).toBe(2)
    expect(r.code, r.out).toBe(130)
    // The held run had not gone on: the exit was the second SIGINT's, not the step's end.
    expect(await exists(join(holdDir, 'done'))).toBe(false)
    expect(r.after, r.out).toContain('Interrupted again: exiting now. These temporary resources are being left:')
    expect(r.after, r.out).toMatch(new RegExp(`==> docker\\.${name}: docker run \\(pid \\d+\\) of docker\\.${name}, and the container it makes`))
    expect(r.after).toContain("Run 'tsimg cleanup' to delete them.")
    const journals = await readdir(join(stateDir, 'journal'))
    expect(journals).toHaveLength(1)
    const buildId = (JSON.parse(await readFile(join(stateDir, 'journal', journals[0]!), 'utf8')) as { buildId: string }).buildId

    // The held `docker run` goes on once cleanup waits for it, and makes its container then.
    let released = false
    const c = await runTsimg(['cleanup'], env, join(here, '..'), (out) => {
      if (released || !out.includes('Waiting for docker run (pid')) return
      released = true
      void writeFile(join(holdDir, 'release'), '')
    })
    expect(c.code, c.out).toBe(0)
    expect(released, c.out).toBe(true)
    expect(await exists(join(holdDir, 'done'))).toBe(true)
    expect(await dockerOut('ps', '-a', '-q', '--filter', `label=tsimg-build-id=${buildId}`)).toBe('')
    expect(await readdir(join(stateDir, 'journal'))).toEqual([])
  } finally {
    await writeFile(join(holdDir, 'release'), '').catch(() => undefined)
    await removeImages(`tsimg-test/${name}:1`)
  }
}, 600_000)
