import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { docker } from '@tsimg/builder-docker'
import { TemplateError, build, validate } from '@tsimg/core/node'
import { goss } from '@tsimg/provisioner-goss'
import { shell } from '@tsimg/provisioner-shell'
import { BASE_IMAGE, NOTHING, RUN_ID, imageExists, removeImages, sandbox, type Sandbox } from '../../builder-docker/test/helpers.js'

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

// goss files in the verify phase (a container of the committed image) and as Packer's goss
// provisioner (the build container), against docker builds of tsimg/debian-ssh.

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url))
const TAG = `tsimg-test/goss-verify-${RUN_ID}:latest`
let sb: Sandbox

beforeAll(async () => {
  sb = await sandbox()
  await removeImages(TAG)
})
afterEach(async () => {
  await removeImages(TAG)
})
afterAll(async () => {
  await sb.dispose()
})

const provision = shell({ script: join(FIXTURES, 'provision.sh') })
const breakState = shell({ inline: ['rm /etc/tsimg-verify/state'] })
const source = () => docker({ name: 'goss', image: BASE_IMAGE, tags: [TAG] })
const committed = (lines: readonly string[]) => lines.flatMap((l) => /^Image ID: (sha256:[0-9a-f]+)$/.exec(l)?.[1] ?? [])

describe('goss files in the verify phase (docker)', () => {
  it('verify: { goss } with vars passes on a container of the committed image and writes JUnit', async () => {
    const junit = join(sb.dir, 'goss.xml')
    const r = await sb.run({
      template: {
        sources: [source()],
        provisioners: [provision],
        verify: { goss: join(FIXTURES, 'goss/goss.yaml'), varsFile: join(FIXTURES, 'goss/vars.yaml'), junit },
      },
    })
    const b = r.builds[0]!
    expect(b.error?.message).toBeUndefined()
    expect(b.outcome).toBe('success')
    const names = b.checks!.map((c) => `${c.outcome} ${c.name}`)
    expect(names).toEqual(
      expect.arrayContaining([
        'pass File: /etc/tsimg-verify/state: exists',
        'pass File: /etc/tsimg-verify/state: contents',
        'pass User: appuser: groups',
        'pass Package: openssh-server: installed',
        'pass Command: state-says-release: stdout',
        'pass File: /etc/tsimg-verify/removed-on-purpose: exists',
      ]),
    )
    expect(b.checks!.filter((c) => c.outcome !== 'pass')).toEqual([])
    expect(await imageExists(TAG)).toBe(true)
    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
    const xml = await readFile(junit, 'utf8')
    expect(xml).toMatch(new RegExp(`<testsuites name="docker.goss" tests="${b.checks!.length}" failures="0"`))
    await removeImages(TAG)
  })

  it('with the state file removed after provisioning: fails naming each failing goss check with expected and found, no image, no container', async () => {
    const r = await sb.run({
      template: {
        sources: [source()],
        provisioners: [provision, breakState],
        verify: { goss: join(FIXTURES, 'goss/goss.yaml'), varsFile: join(FIXTURES, 'goss/vars.yaml') },
      },
    })
    const b = r.builds[0]!
    expect(b.outcome).toBe('failed')
    const msg = b.error?.message ?? ''
    expect(msg).toMatch(/^Verify failed: \d+ of \d+ checks failed on a machine started from the image:/)
    expect(msg).toMatch(/ {2}- File: \/etc\/tsimg-verify\/state: exists \(.*goss\/goss\.yaml:\d+\): expected true, found false/)
    expect(msg).toMatch(/ {2}- Command: state-says-release: exit-status \(.*goss\/checks\/system\.yaml:\d+\): expected 0, found 1/)
    // The facts that still hold are not named.
    expect(msg).not.toContain('User: appuser')
    for (const id of committed(r.lines)) expect(await imageExists(id)).toBe(false)
    expect(await imageExists(TAG)).toBe(false)
    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
  })

  it("validate lists the verify phase's goss checks of a template file", async () => {
    const info = await validate({ templateFile: join(FIXTURES, 'verify-docker.mjs') })
    expect(info.verify).toEqual([{ type: 'goss', description: 'goss goss/goss.yaml' }])
  })

  it('a gossfile key tsimg does not interpret is an error before anything is created, naming file, line and key', async () => {
    const bad = join(sb.dir, 'bad-goss.yaml')
    await import('node:fs/promises').then((fs) => fs.writeFile(bad, 'file:\n  /etc/hosts:\n    exists: true\n    frobnicate: 1\n'))
    const err = await build({ template: { sources: [source()], verify: { goss: bad } }, stateDir: sb.stateDir, typecheck: false }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TemplateError)
    expect((err as Error).message).toMatch(/bad-goss\.yaml:4.*frobnicate/)
  })
})

describe("Packer's goss provisioner (docker build container)", () => {
  it('runs the files of tests with goss_file and vars_inline while provisioning, and prints goss output', async () => {
    const r = await sb.run({
      template: {
        sources: [docker({ name: 'gossprov', image: BASE_IMAGE, commit: false })],
        provisioners: [
          provision,
          goss({
            tests: [join(FIXTURES, 'goss')],
            gossFile: 'goss/goss.yaml',
            varsInline: { state: 'ready', release: '7' },
            url: 'https://example.invalid/goss',
            format: 'documentation',
          }),
        ],
      },
    })
    const b = r.builds[0]!
    expect(b.error?.message).toBeUndefined()
    expect(b.outcome).toBe('success')
    expect(r.lines).toContain('goss: url accepted and not used: tsimg downloads and uploads no goss binary, the checks run as shell probes over the connection')
    expect(r.lines.some((l) => /^Goss tests ran successfully: \d+ passed$/.test(l))).toBe(true)
    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
  })

  it('fails the build on a failing check, naming it', async () => {
    const r = await sb.run({
      template: {
        sources: [docker({ name: 'gossprov', image: BASE_IMAGE, commit: false })],
        provisioners: [provision, breakState, goss({ tests: [join(FIXTURES, 'goss') + '/'], varsFile: join(FIXTURES, 'goss/vars.yaml') })],
      },
    })
    const b = r.builds[0]!
    expect(b.outcome).toBe('failed')
    expect(b.error?.message).toMatch(
      /^goss validate failed: \d+ of \d+ checks failed:\n {2}- File: \/etc\/tsimg-verify\/state: exists \(.*goss\.yaml:\d+\): expected true, found false/,
    )
    expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
  })

  it("--move-goss-to-verify runs the provisioner's files on a container of the committed image instead", async () => {
    const r = await sb.run({
      template: { sources: [source()], provisioners: [provision, goss({ tests: [join(FIXTURES, 'goss') + '/'], varsFile: join(FIXTURES, 'goss/vars.yaml') })] },
      moveChecksToVerify: true,
    })
    const b = r.builds[0]!
    expect(b.error?.message).toBeUndefined()
    const starts = r.events.flatMap((e) => (e.type === 'step-start' ? [e.step] : []))
    expect(starts).toContain('verify:checks')
    expect(r.lines.some((l) => l.startsWith('Running goss tests'))).toBe(false)
    expect(b.checks!.length).toBeGreaterThan(5)
    expect(b.checks!.every((c) => c.outcome === 'pass')).toBe(true)
    await removeImages(TAG)
  })
})
