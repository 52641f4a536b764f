// goss files run against a real container of tsimg/debian-ssh:bookworm through core's docker
// communicator: the seed article's k3s checks fail check by check in goss's wording (the image
// has no k3s), a gossfile of the image's true facts passes, and a fact broken afterwards fails
// naming the check. The container is this file's own, named with "goss", and removed.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DockerExecCommunicator } from '@tsimg/builder-docker'
import { execOver, formatTable, loadGossfile, runGossSuite, toJUnit, type GossExec, type GossResult } from '@tsimg/verify-goss'

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 })

const run = promisify(execFile)
const docker = async (...args: string[]) => (await run('docker', args, { maxBuffer: 16 << 20 })).stdout.trim()
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const IMAGE = process.env.TSIMG_BASE_IMAGE || 'tsimg/debian-ssh:bookworm'
const RUN = Math.random().toString(36).slice(2, 8)
const NAME = `tsimg-goss-test-${RUN}`
const INDEX = '<html><body>tsimg goss page</body></html>\n'

let exec: GossExec
let ip: string

beforeAll(async () => {
  await docker('run', '-d', '--name', NAME, '--label', `tsimg-test-goss=${RUN}`, IMAGE)
  await docker('cp', join(fixtures, 'dns-responder.py'), `${NAME}:/usr/local/bin/dns-responder.py`)
  await docker('exec', NAME, 'sh', '-c', `mkdir -p /srv/goss && printf '%s' '${INDEX}' > /srv/goss/index.html`)
  await docker('exec', '-d', NAME, 'python3', '/usr/local/bin/dns-responder.py', '5353')
  await docker('exec', '-d', NAME, 'python3', '-m', 'http.server', '8080', '--bind', '127.0.0.1', '--directory', '/srv/goss')
  ip = await docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', NAME)
  exec = execOver(new DockerExecCommunicator({ containerId: NAME, fixUploadOwner: false }))
  // sshd (after ssh-keygen) and the two servers started detached: wait until they listen
  const ready = await loadGossfile(join(fixtures, 'ready.yaml'))
  const up = await runGossSuite(ready, exec, { retryTimeoutMs: 60_000, sleepMs: 200 })
  expect(up.filter((r) => r.outcome !== 'pass').map((r) => r.summary)).toEqual([])
})

afterAll(async () => {
  const ids = (await docker('ps', '-a', '-q', '--filter', `label=tsimg-test-goss=${RUN}`)).split('\n').filter(Boolean)
  if (ids.length) await docker('rm', '-f', ...ids)
})

const byKey = (rs: GossResult[]) => new Map(rs.map((r) => [`${r.resourceType}: ${r.resourceId}: ${r.property}`, r]))

describe('goss files against a container of the base image', () => {
  it("seed-003-shaped k3s checks, included through gossfile:, fail check by check with goss's wording", async () => {
    const suite = await loadGossfile(join(fixtures, 'k3s', 'goss.yaml'), { varsFile: join(fixtures, 'k3s', 'vars.yaml'), varsInline: { ip_address: ip } })
    expect(suite.files.map((f) => f.split('/').pop())).toEqual(['goss.yaml', 'k3s.yaml'])
    // the seed's `stderr: []` asserts nothing: goss skips it and warns, naming the line
    expect(suite.warnings.filter((w) => w.includes('command.stderr is an empty list'))).toHaveLength(4)
    expect(suite.warnings[0]).toMatch(/k3s\.yaml:\d+: check_k8s_scheduler_health: command\.stderr is an empty list/)
    const results = await runGossSuite(suite, exec)
    const r = byKey(results)
    const msg = (k: string) => r.get(k)?.message

    expect(msg('DNS: kubernetes.default.svc.cluster.local: resolvable')).toBe('Expected\n    false\nto equal\n    true')
    expect(r.get('DNS: kubernetes.default.svc.cluster.local: addrs')?.outcome).toBe('skip')
    expect(msg('Interface: cni0: exists')).toBe('Expected\n    false\nto equal\n    true')
    expect(msg('Port: tcp6:6443: listening')).toBe('Expected\n    false\nto equal\n    true')
    expect(r.get('Port: tcp:22: listening')?.outcome).toBe('pass')
    expect(r.get('Port: tcp:22: ip')?.outcome).toBe('pass')
    expect(msg('Service: k3s: enabled')).toBe('Expected\n    false\nto equal\n    true')
    expect(msg('Service: k3s: running')).toBe('Expected\n    false\nto equal\n    true')
    expect(r.get('Service: firewalld: enabled')?.outcome).toBe('pass')
    // without systemd goss asks SysV init, where Debian's service is "ssh", not "sshd"
    expect(msg('Service: sshd: enabled')).toBe('Expected\n    false\nto equal\n    true')
    // curl, kubectl and crictl are not in the image: sh answers 127
    expect(msg('Command: check_k8s_scheduler_health: exit-status')).toBe('Expected\n    127\nto be numerically eq\n    0')
    expect(msg('Command: check_k8s_scheduler_health: stdout')).toBe('Expected\n    ""\nto have patterns\n    ["ok"]\nthe missing elements were\n    ["ok"]')
    expect(msg('Command: check_node_address: stdout')).toBe(`Expected\n    ""\nto have patterns\n    ["${ip}"]\nthe missing elements were\n    ["${ip}"]`)
    expect(msg('Command: check_container_status: stdout')).toContain('the missing elements were\n    ["coredns","/lb-.*-443/","/lb-.*-80/","traefik"]')
    // "!string" holds on empty output, as in goss; the command itself failed
    expect(r.get('Command: check_kube_system_namespace_pod_status: stdout')?.outcome).toBe('pass')
    expect(r.get('Command: check_kube_system_namespace_pod_status: exit-status')?.outcome).toBe('fail')
    expect(r.get('Command: check_traefik_address: exit-status')?.outcome).toBe('skip')
    expect(msg('HTTP: http://' + ip + '/filebrowser/: status')).toMatch(/^Error\n {4}Get "http:\/\/[\d.]+\/filebrowser\/": /)
    expect(r.get('Matching: check_vm_memory_size: matches')?.outcome).toBe('pass')

    const where = r.get('Service: k3s: running')!.where
    expect([where.file.split('/').pop(), where.line]).toEqual(['k3s.yaml', 38])
    const table = formatTable(results)
    expect(table).toContain('k3s.yaml:38: Service: k3s: running:\nExpected\n    false\nto equal\n    true')
    expect(table).toMatch(/Count: \d+, Failed: 15, Skipped: 4/)
    const junit = toJUnit(results)
    expect(junit).toContain(`tests="${results.length}" failures="15" skipped="4"`)
    expect(junit).toContain('<testcase name="Service k3s running"')
  })

  it("a gossfile of the image's true facts passes, every resource type included", async () => {
    const suite = await loadGossfile(join(fixtures, 'good', 'goss.yaml'), {
      varsInline: {
        ip_address: ip,
        index_size: Buffer.byteLength(INDEX),
        index_sha256: createHash('sha256').update(INDEX).digest('hex'),
        cpu_core_number: 2,
        dns_timeout: 10_000,
      },
    })
    expect(new Set(suite.checks.map((c) => c.type))).toEqual(
      new Set([
        'package',
        'file',
        'service',
        'user',
        'group',
        'command',
        'port',
        'process',
        'kernel-param',
        'mount',
        'http',
        'addr',
        'dns',
        'interface',
        'matching',
      ]),
    )
    // the DNS and HTTP servers were started detached: retry until they answer (goss's --retry-timeout)
    const results = await runGossSuite(suite, exec, { retryTimeoutMs: 60_000, sleepMs: 500 })
    const failed = results.filter((r) => r.outcome === 'fail')
    expect(failed.map((f) => f.summary)).toEqual([])
    expect(results.filter((r) => r.outcome === 'skip').map((r) => `${r.resourceId}: ${r.property}`)).toEqual(['not yet: exit-status'])
    expect(byKey(results).get('DNS: svc.goss.test: addrs')?.found).toBe('["10.43.0.1","fd00::1"]')
  })

  it('image-builder-shaped goss files (anchors, merge keys, loops over vars by OS and provider) pass on the image', async () => {
    const dir = join(fixtures, 'ib-like')
    const suite = await loadGossfile(join(dir, 'goss.yaml'), { varsFile: join(dir, 'vars.yaml'), varsInline: { OS: 'debian', PROVIDER: 'docker' } })
    const results = await runGossSuite(suite, exec, { useSudo: true })
    expect(results.filter((r) => r.outcome !== 'pass').map((r) => r.summary)).toEqual([])
    expect(results).toHaveLength(12)
  })

  it('a fact broken afterwards (a file removed, a process stopped) fails, naming the check and its line', async () => {
    await docker(
      'exec',
      NAME,
      'sh',
      '-c',
      'rm /srv/goss/index.html; for p in /proc/[0-9]*; do grep -q "[d]ns-responder" "$p/cmdline" 2>/dev/null && kill "${p#/proc/}"; done; exit 0',
    )
    const gone = await runGossSuite(await loadGossfile(join(fixtures, 'stopped.yaml')), exec, { retryTimeoutMs: 30_000, sleepMs: 200 })
    expect(gone.map((r) => r.outcome)).toEqual(['pass'])
    const suite = await loadGossfile(join(fixtures, 'good', 'goss.yaml'), {
      varsInline: {
        ip_address: ip,
        index_size: Buffer.byteLength(INDEX),
        index_sha256: createHash('sha256').update(INDEX).digest('hex'),
        cpu_core_number: 2,
        dns_timeout: 500,
      },
    })
    const results = await runGossSuite(suite, exec, { useSudo: true })
    const failed = results
      .filter((r) => r.outcome === 'fail')
      .map((r) => `${r.where.file.split('/').pop()}:${r.where.line} ${r.resourceType}: ${r.resourceId}: ${r.property}`)
    expect(failed).toEqual([
      'goss.yaml:26 File: /srv/goss/index.html: exists',
      'net.yaml:32 DNS: svc.goss.test: resolvable',
      'net.yaml:38 DNS: A:two.goss.test: resolvable',
      'net.yaml:43 DNS: MX:mail.goss.test: resolvable',
      'net.yaml:48 DNS: TXT:txt.goss.test: resolvable',
      'net.yaml:58 HTTP: http://127.0.0.1:8080/index.html: status',
    ])
    const r = byKey(results)
    expect(r.get('File: /srv/goss/index.html: exists')!.message).toBe('Expected\n    false\nto equal\n    true')
    expect(r.get('File: /srv/goss/index.html: sha256')!.outcome).toBe('skip')
    expect(r.get('DNS: A:two.goss.test: resolvable')!.message).toBe('Error\n    DNS lookup timed out (500ms)')
    expect(r.get('HTTP: http://127.0.0.1:8080/index.html: status')!.message).toBe('Expected\n    404\nto be numerically eq\n    200')
  })
})
