// Ctrl-C twice on a docker build: the first SIGINT while `docker run` is held (held-docker.sh;
// the build's start step then awaits that create, which no signal can stop: the daemon would
// make the container anyway), the second once the cleanup runs. The process exits at once,
// lists the docker run it leaves (journal kept); `tsimg cleanup` waits for that run, then
// deletes the container it made.
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { interruptTwice, runTsimg } from '../../../test/support/interrupt-twice.js'
import { RUN_ID, dockerOut, removeImages } from './helpers.js'
import { exists, fixture, heldDockerFile, heldEnv, onlyJournal, pkgDir } from './support/held-docker.js'

const TEMPLATE = fixture('quick-build.ts')
const held = heldDockerFile()

it('a second SIGINT while the start step awaits a held docker run exits at once with 130, lists that run, keeps the journal; tsimg cleanup waits for it and leaves no container', async () => {
  const name = `twice-${RUN_ID}`
  const holdDir = await held.holdDir(name)
  const stateDir = join(holdDir, 'state')
  const env = { ...process.env, ...heldEnv({ hold: 'run:before', dir: holdDir, name }), NO_COLOR: '1' }
  try {
    const r = await interruptTwice({
      name: 'docker',
      args: ['build', TEMPLATE],
      env,
      cwd: pkgDir,
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
    const { buildId } = await onlyJournal(stateDir)

    // The held `docker run` goes on once cleanup waits for it, and makes its container then.
    let released = false
    const c = await runTsimg(['cleanup'], env, pkgDir, (out) => {
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
