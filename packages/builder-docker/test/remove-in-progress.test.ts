// `tsimg cleanup` right after kill -9 during "Killing the container": dockerd is still removing
// it and answers `docker rm` with "removal of container ... is already in progress". That is a
// removal under way, not a failure: cleanup waits for it to finish, and the entry is done.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tsimgResources } from '@tsimg/builder-docker'

const SHIM = fileURLToPath(new URL('./fixtures/docker-removing.sh', import.meta.url))
let dir: string
const saved = { bin: process.env.TSIMG_DOCKER_BIN, shim: process.env.SHIM_DIR }
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-docker-shim-'))
  process.env.TSIMG_DOCKER_BIN = SHIM
  process.env.SHIM_DIR = dir
})
afterEach(async () => {
  if (saved.bin === undefined) delete process.env.TSIMG_DOCKER_BIN
  else process.env.TSIMG_DOCKER_BIN = saved.bin
  if (saved.shim === undefined) delete process.env.SHIM_DIR
  else process.env.SHIM_DIR = saved.shim
  await rm(dir, { recursive: true, force: true })
})

const calls = async () => (await readFile(join(dir, 'calls'), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean)

describe('docker cleanup of a container whose removal is already in progress', () => {
  it('waits for that removal to finish (until docker no longer knows the container) and then counts the container as deleted', async () => {
    const log: string[] = []
    let settled = false
    const deleting = tsimgResources.deleteResource('container', { id: 'c0ffee1234567890' }, { signal: new AbortController().signal, log: (l) => log.push(l) })
    void deleting.then(
      () => (settled = true),
      () => (settled = true),
    )
    // Wait for the event: cleanup has looked at the container being removed, twice.
    while ((await calls()).filter((c) => c.startsWith('container inspect')).length < 2) await new Promise((r) => setTimeout(r, 20))
    expect(settled).toBe(false)
    expect((await calls())[0]).toBe('rm -f -v c0ffee1234567890')
    expect((await calls())[1]).toBe('container inspect --format {{.State.Status}} c0ffee1234567890')
    await writeFile(join(dir, 'removed'), '')
    await expect(deleting).resolves.toBeUndefined()
    expect((await calls()).filter((c) => c.startsWith('rm'))).toHaveLength(1)
  })
})
