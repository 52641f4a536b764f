// Seed 003's goss files (our own k3s.yaml and goss.yaml in their shape, in verify-goss's
// fixtures: goss.yaml includes k3s.yaml through `gossfile:`; dns, addr, interface, port, service
// and command checks with skip, timeout, `/lb-.*-443/`, "!string" and {{ .Vars.ip_address }})
// through a docker build's verify phase, on an image without k3s: the build fails check by check,
// each with goss's own wording of expected and found, and leaves no image and no container.
// Once from a typed template (`verify: { goss }`), once from a Packer JSON template whose
// `"type": "goss"` provisioner is moved to the verify phase (--move-goss-to-verify).
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { docker } from '@tsimg/builder-docker'
import { shell } from '@tsimg/provisioner-shell'
import { BASE_IMAGE, NOTHING, RUN_ID, dockerOut, imageExists, removeImages, sandbox, type Sandbox } from '../../builder-docker/test/helpers.js'

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 })

const K3S = fileURLToPath(new URL('../../verify-goss/test/fixtures/k3s', import.meta.url))
const TAG = `tsimg-test/goss-seed003-${RUN_ID}:latest`
let sb: Sandbox

beforeAll(async () => {
  sb = await sandbox()
})
afterAll(async () => {
  await removeImages(TAG)
  await sb.dispose()
})

type Run = Awaited<ReturnType<Sandbox['run']>>

/** Goss's wording for a boolean that was expected true and found false. */
const FALSE_NOT_TRUE = 'Expected\n    false\nto equal\n    true'

/** Every check the seed-shaped files make fail on an image without k3s, as goss words it. */
function expectK3sFailures(r: Run): void {
  const b = r.builds[0]!
  expect(b.outcome, b.error?.message).toBe('failed')
  const msg = b.error?.message ?? ''
  expect(msg).toMatch(/^Verify failed: \d+ of \d+ checks failed on a machine started from the image:/)
  // Check by check, each with the file and line it was written at, expected and found.
  expect(msg).toMatch(/ {2}- Service: k3s: running \(.*k3s\.yaml:38\): expected true, found false/)
  expect(msg).toMatch(/ {2}- Service: k3s: enabled \(.*k3s\.yaml:\d+\): expected true, found false/)
  expect(msg).toMatch(/ {2}- Interface: cni0: exists \(.*k3s\.yaml:\d+\): expected true, found false/)
  expect(msg).toMatch(/ {2}- Port: tcp6:6443: listening \(.*k3s\.yaml:\d+\): expected true, found false/)
  expect(msg).toMatch(/ {2}- DNS: kubernetes\.default\.svc\.cluster\.local: resolvable \(.*k3s\.yaml:\d+\): expected true, found false/)
  expect(msg).toMatch(/ {2}- Command: check_k8s_scheduler_health: exit-status \(.*k3s\.yaml:\d+\): expected 0, found 127/)
  // The included file's checks and the including file's own (goss.yaml: dns, http) both ran.
  expect(msg).toMatch(/ {2}- DNS: filebrowser\.default\.svc\.cluster\.local: resolvable \(.*goss\.yaml:\d+\)/)
  expect(msg).toMatch(/ {2}- HTTP: http:\/\/127\.0\.0\.1\/filebrowser\/: status \(.*goss\.yaml:\d+\)/)

  const checks = new Map(b.checks!.map((c) => [c.name, c]))
  const wording = (name: string) => checks.get(name)?.message
  expect(wording('Service: k3s: running')).toBe(FALSE_NOT_TRUE)
  expect(wording('Interface: cni0: exists')).toBe(FALSE_NOT_TRUE)
  expect(wording('Port: tcp6:6443: listening')).toBe(FALSE_NOT_TRUE)
  expect(wording('Command: check_k8s_scheduler_health: exit-status')).toBe('Expected\n    127\nto be numerically eq\n    0')
  // {{ .Vars.ip_address }} rendered from the vars file; the seed's patterns kept as patterns.
  expect(wording('Command: check_node_address: stdout')).toBe(
    'Expected\n    ""\nto have patterns\n    ["127.0.0.1"]\nthe missing elements were\n    ["127.0.0.1"]',
  )
  expect(wording('Command: check_container_status: stdout')).toContain('the missing elements were\n    ["coredns","/lb-.*-443/","/lb-.*-80/","traefik"]')
  // "!string" holds on empty output, as in goss; skip: true is skipped, not run.
  expect(checks.get('Command: check_kube_system_namespace_pod_status: stdout')?.outcome).toBe('pass')
  expect(checks.get('Command: check_traefik_address: exit-status')?.outcome).toBe('skip')
  expect(checks.get('Service: firewalld: running')?.outcome).toBe('pass')
  // The results table printed with the build says the same.
  expect(r.lines.some((l) => /^FAIL +Service: k3s: running +true +false +.*k3s\.yaml:38$/.test(l))).toBe(true)
}

/** No image and no container of the build is left, nor a journal or key. */
async function expectNothingLeft(r: Run): Promise<void> {
  const b = r.builds[0]!
  for (const id of r.lines.flatMap((l) => /^Image ID: (sha256:[0-9a-f]+)$/.exec(l)?.[1] ?? [])) expect(await imageExists(id), id).toBe(false)
  expect(await dockerOut('image', 'ls', '-q', '--filter', `label=tsimg-image-build-id=${b.buildId}`)).toBe('')
  expect(await imageExists(TAG)).toBe(false)
  expect(await sb.leftovers(b.buildId)).toEqual(NOTHING)
}

describe("seed 003's goss files through the verify phase (docker, an image without k3s)", () => {
  it("verify: { goss, varsFile } on a typed template: fails check by check in goss's wording; no image, no container", async () => {
    const r = await sb.run({
      template: {
        sources: [docker({ name: 'seed003', image: BASE_IMAGE, tags: [TAG] })],
        provisioners: [shell({ inline: ['echo provisioned > /tmp/provisioned'] })],
        verify: { goss: join(K3S, 'goss.yaml'), varsFile: join(K3S, 'vars.yaml') },
      },
    })
    expect(r.events.some((e) => e.type === 'step-start' && e.step === 'verify:checks')).toBe(true)
    expectK3sFailures(r)
    await expectNothingLeft(r)
  })

  it('a Packer JSON template\'s "type": "goss" provisioner, moved to the verify phase: the same failures; no image, no container', async () => {
    const dir = join(sb.dir, 'packer')
    await mkdir(dir, { recursive: true })
    const template = {
      builders: [{ type: 'docker', name: 'seed003json', image: BASE_IMAGE, commit: true }],
      provisioners: [
        { type: 'shell', inline: ['echo provisioned > /tmp/provisioned'] },
        { type: 'goss', tests: [`${K3S}/`], vars_file: join(K3S, 'vars.yaml'), vars_inline: { ip_address: '127.0.0.1' }, version: '0.3.23' },
      ],
    }
    await writeFile(join(dir, 'packer.json'), JSON.stringify(template, null, 2))
    const r = await sb.run({ templateFile: 'packer.json', cwd: dir, moveChecksToVerify: true })
    // Moved: it ran on a machine of the new image, not while provisioning.
    expect(r.events.some((e) => e.type === 'step-start' && e.step === 'verify:checks')).toBe(true)
    expect(r.lines.some((l) => l.startsWith('Running goss tests'))).toBe(false)
    expectK3sFailures(r)
    await expectNothingLeft(r)
  })
})
