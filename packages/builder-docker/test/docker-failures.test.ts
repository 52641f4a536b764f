import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { docker, type DockerSourceOptions } from '@tsimg/builder-docker'
import type { ProvisionerPlugin } from '@tsimg/core'
import { shell } from '@tsimg/provisioner-shell'
import { BASE_IMAGE, NOTHING, RUN_ID, imageExists, removeImages, sandbox, type Sandbox } from './helpers.js'

// Each case runs whole docker builds: on a machine busy with other work one takes minutes.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

// Failure injected at each step: whatever breaks, the build removes its container, its key
// file and its journal, and leaves no image behind.

const TAG = `tsimg-test/docker-failures-${RUN_ID}:latest`
let sb: Sandbox

beforeAll(async () => {
  sb = await sandbox()
  await removeImages(TAG)
})
afterAll(async () => {
  await removeImages(TAG)
  await sb.dispose()
})

async function failingBuild(
  source: Partial<DockerSourceOptions>,
  provisioners: ProvisionerPlugin<any>[] = [shell({ inline: ['true'] })],
  signal?: AbortSignal,
  onLine?: (l: string) => void,
) {
  const res = await sb.run({
    template: { sources: [docker({ name: 'broken', image: BASE_IMAGE, tags: [TAG], ...source })], provisioners },
    ...(signal ? { signal } : {}),
    ...(onLine ? { onEvent: (e) => void (e.type === 'ui' && onLine(e.text)) } : {}),
  })
  const b = res.builds[0]!
  expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
  expect(await imageExists(TAG)).toBe(false)
  // An image committed before the failure is deleted too.
  for (const l of res.lines) {
    const m = /^Image ID: (sha256:[0-9a-f]+)$/.exec(l)
    if (m) expect(await imageExists(m[1]!)).toBe(false)
  }
  return { ...res, build: b, error: b.error?.message ?? '' }
}

describe('docker builder: failure at each step leaves nothing behind', () => {
  it('a source image that does not exist', async () => {
    const r = await failingBuild({ image: 'tsimg-test/does-not-exist:1' })
    expect(r.build.outcome).toBe('failed')
    expect(r.error).toBe('source image tsimg-test/does-not-exist:1 not found locally (pull is false)')
  })

  it('a container that docker run creates but cannot start', async () => {
    const r = await failingBuild({ runArgs: ['--entrypoint', '/nonexistent/entrypoint'] })
    expect(r.build.outcome).toBe('failed')
    expect(r.error).toMatch(/^docker run failed: Error response from daemon: .*nonexistent/)
    expect(r.lines.some((l) => l.startsWith('Removing the container docker run left behind'))).toBe(true)
  })

  it('sshd that fails to start', async () => {
    const fake = join(sb.dir, 'fake-sshd')
    await writeFile(fake, '#!/bin/sh\necho "sshd: broken on purpose" >&2\nexit 1\n', { mode: 0o755 })
    const r = await failingBuild({ communicator: 'ssh', volumes: { [fake]: '/usr/sbin/sshd' } })
    expect(r.build.outcome).toBe('failed')
    expect(r.error).toMatch(/could not start sshd in container [0-9a-f]{12}: .*sshd: broken on purpose/)
  })

  it('an SSH user that does not exist in the image', async () => {
    const r = await failingBuild({ communicator: 'ssh', sshUsername: 'nosuchuser' })
    expect(r.build.outcome).toBe('failed')
    expect(r.error).toMatch(/could not authorize the temporary SSH key for user nosuchuser/)
  })

  it('an exec user that does not exist in the image', async () => {
    const r = await failingBuild({ execUser: 'nosuchuser' })
    expect(r.build.outcome).toBe('failed')
    expect(r.error).toMatch(/^docker exec in container [0-9a-f]{12} \(as nosuchuser\) could not run the command: unable to find user nosuchuser/)
  })

  it('a failing provisioner', async () => {
    const r = await failingBuild({}, [shell({ inline: ['echo about to fail', 'exit 3'] })])
    expect(r.build.outcome).toBe('failed')
    expect(r.lines.join('\n')).toContain('about to fail')
    expect(r.error).toMatch(/non-zero exit status: 3/)
  })

  it('a commit that fails after the container stopped: the error-cleanup provisioner is skipped, not retried against it', async () => {
    const res = await sb.run({
      template: {
        sources: [docker({ name: 'down', image: BASE_IMAGE, tags: [TAG], changes: ['EXPOSE not-a-port'] })],
        provisioners: [shell({ inline: ['true'] })],
        errorCleanupProvisioner: shell({ inline: ['echo error-cleanup-ran'] }),
      },
    })
    const b = res.builds[0]!
    expect(b.outcome).toBe('failed')
    expect(b.error?.message).toMatch(/docker commit failed/)
    expect(res.lines).toContainEqual(
      expect.stringMatching(/^Provisioning step had errors: Skipping the cleanup provisioner \(.*\): the machine is already stopped or gone$/),
    )
    expect(res.lines).not.toContain('error-cleanup-ran')
    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
  })

  it('a commit docker rejects (an invalid change)', async () => {
    const r = await failingBuild({ changes: ['EXPOSE not-a-port'] })
    expect(r.build.outcome).toBe('failed')
    expect(r.error).toMatch(/docker commit failed/)
  })

  it('a tag docker rejects, after the commit', async () => {
    // Passes the option's pattern; Docker refuses repository names over 255 characters.
    const tooLong = `tsimg-test/${'x'.repeat(260)}:1`
    const r = await failingBuild({ tags: [TAG, tooLong] })
    expect(r.build.outcome).toBe('failed')
    expect(r.error).toMatch(/docker tag failed/)
    expect(r.lines).toContain(`Tagging image: ${TAG}`)
    expect(r.lines.some((l) => l.startsWith('Image ID: sha256:'))).toBe(true)
  })

  it('cancelling through the AbortSignal while a provisioner runs tears everything down', async () => {
    const ac = new AbortController()
    // Sleeps far past the test's time limit: only the cancel can end this build in time.
    const r = await failingBuild({}, [shell({ inline: ['echo provisioning-started', 'sleep 3600'] })], ac.signal, (l) => {
      if (l === 'provisioning-started') ac.abort()
    })
    expect(r.build.outcome).toBe('cancelled')
    expect(r.lines).toContain('provisioning-started')
  })

  // docker run / docker commit are never killed mid-request (the daemon would finish them
  // without our knowing the id): the step finishes recording, then cleanup deletes.
  it.each(['Starting docker container...', 'Committing the container'])('cancelling at "%s" leaves nothing', async (at) => {
    const ac = new AbortController()
    const r = await failingBuild({}, [shell({ inline: ['true'] })], ac.signal, (l) => {
      if (l === at) ac.abort()
    })
    expect(r.build.outcome).toBe('cancelled')
    expect(r.lines).toContain(at)
  })
})
