// Ctrl-C during a docker build's final teardown ("Killing the container", held by
// held-docker.sh): the image was committed and tagged before the cancel, so it is kept; the
// build exits 130 as cancelled, the summary lists the image as kept (never under "artifacts of
// successful builds"), and the manifest records it as cancelled. The container is still removed.
import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ManifestFile } from '@tsimg/core'
import { interruptTwice } from '../../../test/support/interrupt-twice.js'
import { RUN_ID, dockerOut, imageExists, removeImages, sandbox, type Sandbox } from './helpers.js'

const here = import.meta.dirname
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

it('SIGINT while the container is being removed after the commit: exit 130, the image kept and listed as kept, not as a successful artifact; the manifest marks it cancelled; no container left', async () => {
  const name = `teardown-${RUN_ID}`
  const stateDir = join(sb.dir, 'state')
  await mkdir(stateDir, { recursive: true })
  const output = join(sb.dir, 'manifest.json')
  const env = {
    ...process.env,
    NO_COLOR: '1',
    TSIMG_STATE_DIR: stateDir,
    TSIMG_DOCKER_BIN: join(here, 'fixtures', 'held-docker.sh'),
    TSIMG_TEST_HOLD: 'rm:before',
    TSIMG_TEST_HOLD_DIR: sb.dir,
    TSIMG_TEST_NAME: name,
    TSIMG_TEST_MANIFEST: output,
  }
  try {
    // One SIGINT (the helper's second one never goes: `cleaning` stays false); the held `docker rm` goes on after it.
    let released = false
    const r = await interruptTwice({
      name: 'docker (teardown)',
      args: ['build', join(here, 'fixtures', 'quick-build.ts')],
      env,
      cwd: join(here, '..'),
      held: () => exists(join(sb.dir, 'held')),
      cleaning: (out) => {
        if (!released && out.includes('Cancelling build after receiving interrupt...')) {
          released = true
          void writeFile(join(sb.dir, 'release'), '')
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
    await writeFile(join(sb.dir, 'release'), '').catch(() => undefined)
    await removeImages(`tsimg-test/${name}:1`)
  }
}, 600_000)
