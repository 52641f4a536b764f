// http checks against a real HTTP server on loopback, probed through this host's sh both ways
// the probe can go: python3's urllib (PATH as is) and curl (PATH with curl but no python3).
// Both must agree: status, headers, body, redirects followed or not, basic auth, method/body.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadGossfile, runGossSuite, type GossExec } from '@tsimg/verify-goss'

let dir: string
let server: Server
let base: string
let curlOnly: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-goss-http-'))
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      if (req.url === '/ok') {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-goss': 'yes' })
        res.end('hello goss\nsecond line\n')
      } else if (req.url === '/moved') {
        res.writeHead(302, { location: '/ok' })
        res.end()
      } else if (req.url === '/auth') {
        const ok = req.headers.authorization === `Basic ${Buffer.from('ann:s3cret').toString('base64')}`
        res.writeHead(ok ? 200 : 401)
        res.end(ok ? 'welcome' : 'no')
      } else if (req.url === '/echo') {
        res.writeHead(201, { 'x-method': req.method ?? '', 'x-seen': String(req.headers['x-custom'] ?? '') })
        res.end(`got ${body}`)
      } else {
        res.writeHead(404)
        res.end('nothing here')
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  // a PATH with curl and what the probe's shell needs, and no python3
  curlOnly = join(dir, 'bin')
  const { mkdir } = await import('node:fs/promises')
  await mkdir(curlOnly)
  for (const tool of ['/bin/sh', '/usr/bin/curl', '/usr/bin/timeout', '/usr/bin/cat']) await symlink(tool, join(curlOnly, tool.split('/').pop()!))
})
afterAll(async () => {
  await new Promise((r) => server.close(r))
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

const gossfile = () =>
  [
    'http:',
    `  ${base}/ok:`,
    '    status: 200',
    '    headers: ["X-Goss: yes", "Content-Type: text/plain"]',
    '    body: [hello goss, /^second/, "!nothing"]',
    `  ${base}/moved:`,
    '    status: 200',
    '    body: [hello]',
    `  not followed:`,
    `    url: ${base}/moved`,
    '    no-follow-redirects: true',
    '    status: 302',
    `  ${base}/auth:`,
    '    status: 200',
    '    username: ann',
    '    password: s3cret',
    '    body: [welcome]',
    `  ${base}/echo:`,
    '    method: POST',
    '    request-body: payload',
    '    request-headers: ["X-Custom: sent"]',
    '    status: 201',
    '    headers: ["X-Method: POST", "X-Seen: sent"]',
    '    body: [got payload]',
    `  ${base}/missing:`,
    '    status: 200',
    '    body: [anything]',
    '  http://127.0.0.1:1/closed:',
    '    status: 200',
  ].join('\n')

describe.each([
  ['python3', undefined],
  ['curl', 'curl-only'],
])('http checks through %s', (_name, variant) => {
  it('status, headers, body patterns, redirects, basic auth and request method/body/headers as goss checks them; failures worded as goss', async () => {
    const f = join(dir, `http-${_name}.yaml`)
    await writeFile(f, gossfile())
    const results = await runGossSuite(await loadGossfile(f), shWith(variant ? curlOnly : undefined))
    const out = Object.fromEntries(results.map((r) => [`${r.resourceId} ${r.property}`, r]))
    const passing = [
      `${base}/ok status`,
      `${base}/ok Headers`,
      `${base}/ok Body`,
      `${base}/moved status`,
      `${base}/moved Body`,
      'not followed status',
      `${base}/auth status`,
      `${base}/auth Body`,
      `${base}/echo status`,
      `${base}/echo Headers`,
      `${base}/echo Body`,
    ]
    expect(passing.filter((k) => out[k]?.outcome !== 'pass').map((k) => out[k]?.summary ?? k)).toEqual([])
    expect(out[`${base}/missing status`]!.message).toBe('Expected\n    404\nto be numerically eq\n    200')
    expect(out[`${base}/missing Body`]!.outcome).toBe('skip')
    const closed = out['http://127.0.0.1:1/closed status']!
    expect(closed.outcome).toBe('fail')
    expect(closed.error).toMatch(/^Get "http:\/\/127\.0\.0\.1:1\/closed": /)
  })
})
