// The verify machine is a temporary resource like the others: a cancel while it starts, and a
// kill -9 while it starts followed by `tsimg cleanup`, leave no container and no image. The
// held docker CLI (held-nth-docker.sh) stops the verify container's `docker run` (the build's
// second) exactly there, so no timing decides where the cancel or the kill lands.
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { build, type BuildEvent } from '@tsimg/core/node'
import { RUN_ID, dockerOut, imageExists, removeImages } from './helpers.js'
import { fixture, heldDockerFile, heldEnv, onlyJournal, waitForFile } from './support/held-docker.js'

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

const HELD = 'held-nth-docker.sh'
const TEMPLATE = fixture('verify-build.ts')
const held = heldDockerFile()

/** What a build of `name` left in Docker: its containers (both carry its name label), and images of its id or tag. */
async function left(name: string, buildId: string) {
  return {
    containers: await dockerOut('ps', '-a', '-q', '--filter', `label=tsimg-build=docker.${name}`),
    images: await dockerOut('image', 'ls', '-q', '--filter', `label=tsimg-image-build-id=${buildId}`),
    tagged: await imageExists(`tsimg-test/${name}:1`),
  }
}
const NOTHING_LEFT = { containers: '', images: '', tagged: false }

describe('the verify machine is torn down like every temporary resource', () => {
  it.each(['run:before', 'run:after'] as const)('cancel while the verify container starts (held at %s): no container, no image, no journal', async (hold) => {
    const name = `vcancel-${hold.replace(':', '-')}-${RUN_ID}`
    const dir = await held.holdDir(name)
    // The verify container's `docker run` is the build's second.
    for (const [k, v] of Object.entries(heldEnv({ bin: HELD, hold, nth: 2, dir, name }))) vi.stubEnv(k, v)
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
    const dir = await held.holdDir(name)
    const stateDir = join(dir, 'state')
    const b = held.tsimg(['build', TEMPLATE], heldEnv({ bin: HELD, hold: 'run:after', nth: 2, dir, name }))
    await waitForFile(join(dir, 'held'), b.ended)
    expect(b.output()).toContain('Verifying: starting a container of the new image')
    b.proc.kill('SIGKILL')
    await b.exited
    const journal = await onlyJournal(stateDir)
    // The build container, the image still to be verified, and the verify container's `docker run`.
    expect(journal.resources.map((r) => r.kind).sort()).toEqual(['container', 'image', 'pending'])

    const cleanup = held.tsimg(['cleanup'], { TSIMG_STATE_DIR: stateDir })
    await cleanup.waitForText('Waiting for docker run (pid')
    // The held `docker run` finishes only once cleanup waits for it.
    await writeFile(join(dir, 'release'), '')
    expect(await cleanup.exited, cleanup.output()).toBe(0)
    expect(cleanup.output()).toContain('Waiting for docker run (pid')
    expect(cleanup.output()).not.toMatch(/could not be deleted|Failed to delete/)
    expect(await left(name, journal.buildId)).toEqual(NOTHING_LEFT)
    expect(await readdir(join(stateDir, 'journal'))).toEqual([])
    await removeImages(`tsimg-test/${name}:1`)
  })
})
