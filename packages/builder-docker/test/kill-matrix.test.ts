// kill -9 of `tsimg build` at chosen moments of a docker build, then `tsimg cleanup` at once:
// nothing may be left, containers or images. held-docker.sh stops the build exactly at each
// moment (no timing luck), and keeps the held docker command running after tsimg died, as a
// real slow `docker run`/`docker commit` would; the test lets it go on only once cleanup says
// it is waiting for it, so a cleanup that did not wait would look too early and leak.
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { RUN_ID, dockerOut, imageExists, removeImages } from './helpers.js'
import { fixture, heldDockerFile, heldEnv, onlyJournal, waitForFile } from './support/held-docker.js'

// Each case runs whole docker builds: on a machine busy with other work one takes minutes.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

const TEMPLATE = fixture('quick-build.ts')
// One hold folder (and state dir) per case, so a case that fails leaves nothing in the next one's way.
const held = heldDockerFile()

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
    const holdDir = await held.holdDir(name)
    const stateDir = join(holdDir, 'state')
    try {
      const build = held.tsimg(['build', TEMPLATE], heldEnv({ hold, dir: holdDir, name }))
      await waitForFile(join(holdDir, 'held'), build.ended)
      const containerIds = (await dockerOut('ps', '-a', '-q', '--no-trunc', '--filter', `label=tsimg-build=docker.${name}`)).split('\n').filter(Boolean)
      build.proc.kill('SIGKILL')
      await build.exited

      const { buildId } = await onlyJournal(stateDir)

      const cleanup = held.tsimg(['cleanup'], { TSIMG_STATE_DIR: stateDir })
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
