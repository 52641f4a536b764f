// Ctrl-C during a docker build's final teardown ("Killing the container", held by
// held-docker.sh): the image was committed and tagged before the cancel, so it is kept; the
// build exits 130 as cancelled, the summary lists the image as kept (never under "artifacts of
// successful builds"), and the manifest records it as cancelled. The container is still removed.
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import type { ManifestFile } from '@tsimg/core/node'
import { interruptTwice } from '../../../test/support/interrupt-twice.js'
import { RUN_ID, dockerOut, imageExists, removeImages } from './helpers.js'
import { exists, fixture, heldDockerFile, heldEnv, pkgDir } from './support/held-docker.js'

const held = heldDockerFile()

it('SIGINT while the container is being removed after the commit: exit 130, the image kept and listed as kept, not as a successful artifact; the manifest marks it cancelled; no container left', async () => {
  const name = `teardown-${RUN_ID}`
  const dir = await held.holdDir(name)
  const stateDir = join(dir, 'state')
  const output = join(dir, 'manifest.json')
  const env = { ...process.env, NO_COLOR: '1', ...heldEnv({ hold: 'rm:before', dir, name }), TSIMG_TEST_MANIFEST: output }
  try {
    // One SIGINT (the helper's second one never goes: `cleaning` stays false); the held `docker rm` goes on after it.
    let released = false
    const r = await interruptTwice({
      name: 'docker (teardown)',
      args: ['build', fixture('quick-build.ts')],
      env,
      cwd: pkgDir,
      held: () => exists(join(dir, 'held')),
      cleaning: (out) => {
        if (!released && out.includes('Cancelling build after receiving interrupt...')) {
          released = true
          void writeFile(join(dir, 'release'), '')
        }
        return false
      },
    })
    expect(r.sent, r.out).toBe(1)
    expect(r.code, r.out).toBe(130)
    expect(r.out).toContain('Killing the container')
    expect(r.out).toMatch(new RegExp(`^Build 'docker\\.${name}' was cancelled after `, 'm'))
    expect(r.out).toContain(`--> docker.${name}: Build was cancelled after its image was finished; the image is kept (see below)`)
    expect(r.out).toMatch(new RegExp(`==> Cancelled after the image was finished; these exist and were kept:\\n--> docker\\.${name}: .*tsimg-test/${name}:1`))
    expect(r.out).not.toContain('The artifacts of successful builds are')
    expect(r.out).toContain('==> Builds finished but no artifacts were created.')
    expect(await imageExists(`tsimg-test/${name}:1`)).toBe(true)
    const doc = JSON.parse(await readFile(output, 'utf8')) as ManifestFile
    expect(doc.builds.map((b) => [b.name, b.cancelled])).toEqual([[name, true]])
    // The teardown the cancel came in still ran: no container, no journal.
    expect(await dockerOut('ps', '-a', '-q', '--filter', `label=tsimg-build=docker.${name}`)).toBe('')
    expect(await readdir(join(stateDir, 'journal')).catch(() => [])).toEqual([])
  } finally {
    await writeFile(join(dir, 'release'), '').catch(() => undefined)
    await removeImages(`tsimg-test/${name}:1`)
  }
}, 600_000)
