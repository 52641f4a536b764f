import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { docker } from '@tsimg/builder-docker'
import { commandCheck, type ProvisionerPlugin } from '@tsimg/core'
import { cleanupLeftovers } from '@tsimg/core/node'
import { shell } from '@tsimg/provisioner-shell'
import { BASE_IMAGE, NOTHING, RUN_ID, dockerOut, imageExists, removeImages, sandbox, type Sandbox } from './helpers.js'

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

// The verify phase of a docker build: a new container of the committed image runs the checks.

const TAG = `tsimg-test/verify-${RUN_ID}:latest`
let sb: Sandbox

beforeAll(async () => {
  sb = await sandbox()
  await removeImages(TAG)
})
afterAll(async () => {
  await removeImages(TAG)
  await sb.dispose()
})

const provisionFacts = shell({ inline: ['mkdir -p /etc/tsimg-verify', 'echo ready > /etc/tsimg-verify/state'] })
const checks = [
  commandCheck({ name: 'state file', command: 'test -f /etc/tsimg-verify/state' }),
  commandCheck({ name: 'state says ready', command: 'cat /etc/tsimg-verify/state', stdout: ['ready'] }),
]

function exitedPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('true')
    child.on('exit', () => resolve(child.pid!))
  })
}

/** Every `Image ID:` line a build printed (the committed image, by id). */
const committed = (lines: readonly string[]) => lines.flatMap((l) => /^Image ID: (sha256:[0-9a-f]+)$/.exec(l)?.[1] ?? [])

async function verifyBuild(provisioners: ProvisionerPlugin<any>[], extra: { junit?: string; onError?: 'abort' } = {}) {
  const res = await sb.run({
    template: {
      sources: [docker({ name: 'verify', image: BASE_IMAGE, tags: [TAG] })],
      provisioners,
      verify: { checks, ...(extra.junit ? { junit: extra.junit } : {}) },
    },
    ...(extra.onError ? { onError: extra.onError } : {}),
  })
  return { ...res, build: res.builds[0]!, images: committed(res.lines) }
}

describe('docker build with a verify phase', () => {
  it('passes on a fresh container of the committed image, removes that container and keeps the image', async () => {
    const junit = join(sb.dir, 'out', 'verify.xml')
    const r = await verifyBuild([provisionFacts], { junit })
    expect(r.build.error?.message).toBeUndefined()
    expect(r.build.outcome).toBe('success')
    expect(r.build.checks?.map((c) => [c.name, c.outcome])).toEqual([
      ['command: state file: exit-status', 'pass'],
      ['command: state says ready: exit-status', 'pass'],
      ['command: state says ready: stdout', 'pass'],
    ])
    // A second container was started, from the committed image, and removed.
    const starts = r.events.filter((e) => e.type === 'step-start').map((e) => (e as { step: string }).step)
    expect(starts).toEqual(expect.arrayContaining(['docker:commit', 'verify', 'verify:docker:source-image', 'verify:docker:start-container', 'verify:checks']))
    expect(starts.indexOf('verify')).toBeGreaterThan(starts.indexOf('docker:commit'))
    const ids = r.lines.flatMap((l) => /^Container ID: ([0-9a-f]+)$/.exec(l)?.[1] ?? [])
    expect(ids).toHaveLength(2)
    expect(r.lines).toContain(`Using source image ${r.images[0]} (${r.images[0]!.slice(7, 19)})`)
    expect(r.lines.some((l) => /^Verify passed: 3 of 3 checks passed$/.test(l))).toBe(true)
    expect(r.lines.some((l) => /^ok +command: state file: exit-status +0 +0/.test(l))).toBe(true)
    expect(await sb.leftovers(r.build.buildId)).toEqual(NOTHING)
    expect(await imageExists(TAG)).toBe(true)
    const xml = await readFile(junit, 'utf8')
    expect(xml).toContain('<testsuites name="docker.verify" tests="3" failures="0" skipped="0"')
    expect(xml).toContain('<testcase name="command: state file: exit-status" classname="command state file"')
    await removeImages(TAG)
  })

  it('fails when a fact is broken after provisioning, names the check with expected and found, and leaves no image and no container', async () => {
    const r = await verifyBuild([provisionFacts, shell({ inline: ['rm /etc/tsimg-verify/state'] })])
    expect(r.build.outcome).toBe('failed')
    const msg = r.build.error?.message ?? ''
    expect(msg).toMatch(/^Verify failed: 3 of 3 checks failed on a machine started from the image:/)
    expect(msg).toContain('  - command: state file: exit-status: expected 0, found 1')
    expect(msg).toContain('  - command: state says ready: stdout: expected to contain "ready", found ""')
    expect(r.lines.some((l) => /^FAIL +command: state file: exit-status +0 +1/.test(l))).toBe(true)
    expect(r.images).toHaveLength(1)
    expect(await imageExists(r.images[0]!)).toBe(false)
    expect(await imageExists(TAG)).toBe(false)
    expect(await sb.leftovers(r.build.buildId)).toEqual(NOTHING)
  })

  it('with -on-error=abort a failed verify keeps the image (and the rest) for tsimg cleanup', async () => {
    const r = await verifyBuild([provisionFacts, shell({ inline: ['rm /etc/tsimg-verify/state'] })], { onError: 'abort' })
    expect(r.build.outcome).toBe('failed')
    expect(r.build.halted).toBe(true)
    expect(r.build.error?.message).toMatch(/^Verify failed: 3 of 3/)
    expect(await imageExists(r.images[0]!)).toBe(true)
    // The verify container was torn down after the checks; the build container stays (abort).
    expect((await dockerOut('ps', '-a', '-q', '--filter', `label=tsimg-build-id=${r.build.buildId}`)).split('\n').filter(Boolean)).toHaveLength(1)
    // As after the process ended: the journal's pid is one that exited.
    const path = join(sb.stateDir, 'journal', `${r.build.buildId}.json`)
    const doc = JSON.parse(await readFile(path, 'utf8')) as { pid: number }
    await writeFile(path, JSON.stringify({ ...doc, pid: await exitedPid() }))
    const report = await cleanupLeftovers({ stateDir: sb.stateDir, log: () => undefined })
    expect(report.failed).toEqual([])
    expect(report.deleted).toBe(2)
    expect(await imageExists(r.images[0]!)).toBe(false)
    expect(await sb.leftovers(r.build.buildId)).toEqual(NOTHING)
    await removeImages(TAG, r.images[0]!)
  })

  it("with communicator 'ssh' the verify container is reached over SSH by the build's own steps (sshd, temporary key, connect)", async () => {
    const res = await sb.run({
      template: {
        sources: [docker({ name: 'verifyssh', image: BASE_IMAGE, tags: [TAG], communicator: 'ssh' })],
        provisioners: [provisionFacts],
        verify: { checks },
      },
    })
    const b = res.builds[0]!
    expect(b.error?.message).toBeUndefined()
    expect(b.checks?.map((c) => c.outcome)).toEqual(['pass', 'pass', 'pass'])
    const starts = res.events.flatMap((e) => (e.type === 'step-start' && e.step.startsWith('verify') ? [e.step] : []))
    expect(starts).toEqual([
      'verify',
      'verify:docker:source-image',
      'verify:ssh:temporary-key-pair',
      'verify:docker:start-container',
      'verify:docker:start-sshd',
      'verify:docker:authorize-key',
      'verify:ssh:connect',
      'verify:checks',
    ])
    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
    await removeImages(TAG)
  })

  it('a build that commits no image says it skips verify (there is nothing to start)', async () => {
    const res = await sb.run({
      template: { sources: [docker({ name: 'nocommit', image: BASE_IMAGE, commit: false })], provisioners: [provisionFacts], verify: { checks } },
    })
    const b = res.builds[0]!
    expect(b.outcome).toBe('success')
    expect(res.lines).toContain('Skipping verify: the build commits no image (commit: false)')
    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
  })
})
