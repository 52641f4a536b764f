// dns (with a server) and addr checks through this host's sh both ways the probes can go: bash
// (/dev/udp, /dev/tcp with coreutils) and python3 (PATH without bash). The DNS server is the
// test's own responder on loopback; a TCP server of the test stands for an open port.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadGossfile, runGossSuite, type GossExec } from '@tsimg/verify-goss'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures')
const PYTHON = '/usr/bin/python3'
let dir: string
let responder: ChildProcess
let dnsPort: number
let tcp: Server
let tcpPort: number
let pythonOnly: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-goss-net-'))
  // a free UDP port: bind, read it, close, hand it to the responder
  const { createSocket } = await import('node:dgram')
  const probe = createSocket('udp4')
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r))
  dnsPort = probe.address().port
  probe.close()
  responder = spawn(PYTHON, [join(fixtures, 'dns-responder.py'), String(dnsPort)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = (await once(responder.stdout!, 'data')) as [Buffer]
  expect(line.toString()).toContain('listening')
  tcp = createServer((s) => s.end())
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r))
  tcpPort = (tcp.address() as AddressInfo).port
  pythonOnly = join(dir, 'bin')
  await mkdir(pythonOnly)
  for (const tool of ['/bin/sh', PYTHON, '/usr/bin/timeout', '/usr/bin/cat']) await symlink(tool, join(pythonOnly, tool.split('/').pop()!))
})
afterAll(async () => {
  responder?.kill()
  await new Promise((r) => tcp.close(r))
  await rm(dir, { recursive: true, force: true })
})

function shWith(path: string | undefined): GossExec {
  return (command, options = {}) =>
    new Promise((resolve, reject) => {
      execFile('/bin/sh', ['-c', command], { signal: options.signal, env: path ? { ...process.env, PATH: path } : process.env }, (err, stdout, stderr) => {
        if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err)
        resolve({ stdout, stderr, exitCode: err ? (err as { code: number }).code : 0 })
      })
    })
}

describe.each([
  ['bash', false],
  ['python3', true],
])('dns and addr through %s', (name, python) => {
  it('answers of each record type parsed as goss formats them; absent names, closed ports and silent servers fail as goss says', async () => {
    const server = `127.0.0.1:${dnsPort}`
    const f = join(dir, `net-${name}.yaml`)
    await writeFile(
      f,
      [
        'dns:',
        '  svc.goss.test:',
        `    server: ${server}`,
        '    resolvable: true',
        '    addrs: {consist-of: [10.43.0.1, fd00::1]}',
        '  AAAA:svc.goss.test:',
        `    server: ${server}`,
        '    resolvable: true',
        '    addrs: {equal: [fd00::1]}',
        '  MX:mail.goss.test:',
        `    server: ${server}`,
        '    resolvable: true',
        '    addrs: ["10 mx.goss.test."]',
        '  TXT:txt.goss.test:',
        `    server: ${server}`,
        '    resolvable: true',
        '    addrs: [hello-world]',
        '  absent.goss.test:',
        `    server: ${server}`,
        '    resolvable: true',
        '  A:silent.goss.test:',
        // nothing listens on the TCP server's port over UDP: no answer within the timeout
        `    server: 127.0.0.1:${tcpPort}`,
        '    resolvable: true',
        '    timeout: 300',
        'addr:',
        `  tcp://127.0.0.1:${tcpPort}:`,
        '    reachable: true',
        `  127.0.0.1:${tcpPort}:`,
        '    reachable: true',
        '  tcp://127.0.0.1:1:',
        '    reachable: true',
      ].join('\n'),
    )
    const results = await runGossSuite(await loadGossfile(f), shWith(python ? pythonOnly : undefined))
    const r = Object.fromEntries(results.map((x) => [`${x.resourceId} ${x.property}`, x]))
    const passing = [
      'svc.goss.test resolvable',
      'svc.goss.test addrs',
      'AAAA:svc.goss.test addrs',
      'MX:mail.goss.test addrs',
      'TXT:txt.goss.test addrs',
      `tcp://127.0.0.1:${tcpPort} reachable`,
      `127.0.0.1:${tcpPort} reachable`,
    ]
    expect(passing.filter((k) => r[k]?.outcome !== 'pass').map((k) => r[k]?.summary ?? k)).toEqual([])
    expect(r['svc.goss.test addrs']!.found).toBe('["10.43.0.1","fd00::1"]')
    expect(r['absent.goss.test resolvable']!.message).toBe('Expected\n    false\nto equal\n    true')
    expect(r['A:silent.goss.test resolvable']!.message).toBe('Error\n    DNS lookup timed out (300ms)')
    expect(r['tcp://127.0.0.1:1 reachable']!.message).toBe('Expected\n    false\nto equal\n    true')
  })
})
