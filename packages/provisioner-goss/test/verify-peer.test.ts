import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { docker } from '@tsimg/builder-docker'
import { shell } from '@tsimg/provisioner-shell'
import { BASE_IMAGE, RUN_ID, dockerOut, removeImages, sandbox, type Sandbox } from '../../builder-docker/test/helpers.js'

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

// `tsimg verify --image` on an existing good and broken image, and an independent peer on the
// same images: Debian's python3-testinfra asserts the same facts through its own docker backend.
// Both pass on the good image; both fail on the broken one, on the same facts.

const exec = promisify(execFile)
const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url))
const CLI = fileURLToPath(new URL('../../core/bin/tsimg.js', import.meta.url))
const GOOD = `tsimg-test/verify-peer-good-${RUN_ID}:latest`
const BROKEN = `tsimg-test/verify-peer-broken-${RUN_ID}:latest`
const containers: string[] = []
let sb: Sandbox

async function image(tag: string, extra: string[]): Promise<void> {
  const res = await sb.run({
    template: {
      sources: [docker({ name: 'peer', image: BASE_IMAGE, tags: [tag] })],
      provisioners: [shell({ script: join(FIXTURES, 'provision.sh') }), ...(extra.length ? [shell({ inline: extra })] : [])],
    },
  })
  expect(res.builds[0]!.error?.message).toBeUndefined()
}

beforeAll(async () => {
  sb = await sandbox()
  await image(GOOD, [])
  // The same image, with the state file lost after provisioning.
  await image(BROKEN, ['rm /etc/tsimg-verify/state'])
})
afterAll(async () => {
  for (const c of containers) await exec('docker', ['rm', '-f', c]).catch(() => undefined)
  await removeImages(GOOD, BROKEN)
  await sb.dispose()
})

/** `tsimg verify` as a user runs it: exit code and output. */
async function tsimgVerify(ref: string): Promise<{ code: number; out: string }> {
  try {
    const r = await exec(process.execPath, [CLI, 'verify', 'verify-docker.mjs', '-image', ref, '-color=false'], {
      cwd: FIXTURES,
      env: { ...process.env, TSIMG_STATE_DIR: sb.stateDir, NO_COLOR: '1' },
    })
    return { code: 0, out: r.stdout + r.stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout + e.stderr }
  }
}

/** testinfra's verdict per fact, through its docker backend on a container of the image. */
async function testinfra(ref: string): Promise<Record<string, 'PASSED' | 'FAILED'>> {
  const name = `verify-peer-${RUN_ID}-${containers.length}`
  await dockerOut(
    'run',
    '-d',
    '--label',
    'tsimg-test=verify-peer',
    '--name',
    name,
    '--entrypoint',
    '/bin/sh',
    ref,
    '-c',
    'trap "exit 0" TERM; sleep infinity & wait',
  )
  containers.push(name)
  let out: string
  try {
    out = (
      await exec('/usr/bin/python3', [
        '-m',
        'pytest',
        '-q',
        '-rA',
        '-p',
        'no:cacheprovider',
        '--hosts',
        `docker://${name}`,
        join(FIXTURES, 'testinfra/test_facts.py'),
      ])
    ).stdout
  } catch (err) {
    out = (err as { stdout: string }).stdout
  }
  const verdicts: Record<string, 'PASSED' | 'FAILED'> = {}
  for (const m of out.matchAll(/^(PASSED|FAILED) \S+::(\w+)/gm)) verdicts[m[2]!] = m[1] as 'PASSED' | 'FAILED'
  return verdicts
}

describe('tsimg verify --image and testinfra agree on the same images', () => {
  it('tsimg verify: the good image passes (exit 0), the broken one fails (exit 1) naming the lost file; nothing is left', async () => {
    const good = await tsimgVerify(GOOD)
    expect(good.out).toMatch(/Verify passed: 11 of 11 checks passed/)
    expect(good.code).toBe(0)
    const bad = await tsimgVerify(BROKEN)
    expect(bad.code).toBe(1)
    expect(bad.out).toMatch(/FAIL +File: \/etc\/tsimg-verify\/state: exists +true +false/)
    expect(bad.out).toMatch(/- File: \/etc\/tsimg-verify\/state: exists \(goss\/goss\.yaml:\d+\): expected true, found false/)
    // Neither run made an image, and each removed its container.
    expect(await dockerOut('ps', '-a', '-q', '--filter', 'label=tsimg-build=docker.check')).toBe('')
  })

  it('testinfra passes every fact on the good image and fails the same ones goss fails on the broken image', async () => {
    const good = await testinfra(GOOD)
    expect(good).toEqual({
      test_state_file: 'PASSED',
      test_removed_file_is_absent: 'PASSED',
      test_user_in_group: 'PASSED',
      test_package: 'PASSED',
      test_command: 'PASSED',
    })
    const bad = await testinfra(BROKEN)
    expect(bad).toEqual({
      test_state_file: 'FAILED',
      test_removed_file_is_absent: 'PASSED',
      test_user_in_group: 'PASSED',
      test_package: 'PASSED',
      test_command: 'FAILED',
    })
    // goss's verdicts on the broken image, by the resource each testinfra test asserts.
    const res = await sb.run({
      template: {
        sources: [docker({ name: 'check', image: BROKEN })],
        verify: { goss: join(FIXTURES, 'goss/goss.yaml'), varsFile: join(FIXTURES, 'goss/vars.yaml') },
      },
      verifyImage: BROKEN,
    })
    const failed = new Set(res.builds[0]!.checks!.filter((c) => c.outcome === 'fail').map((c) => c.name.split(': ').slice(0, 2).join(': ')))
    expect([...failed].sort()).toEqual(['Command: state-says-release', 'File: /etc/tsimg-verify/state'])
  })
})
