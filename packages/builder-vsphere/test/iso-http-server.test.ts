import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpIp, startHttpServer } from '../dist/iso/http-server.js'

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function occupied(): Promise<{ port: number; close: () => Promise<void> }> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  return { port: (s.address() as { port: number }).port, close: () => new Promise((r) => s.close(() => r())) }
}

describe('the vsphere-iso HTTP server (http_directory, http_content)', () => {
  let dir: string
  const signal = new AbortController().signal
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tsimg-http-'))
    await mkdir(join(dir, 'root', '7'), { recursive: true })
    await writeFile(join(dir, 'root', '7', 'ks.cfg'), 'install\nrootpw secret\n')
    await writeFile(join(dir, 'outside.txt'), 'not served')
    await symlink(join(dir, 'outside.txt'), join(dir, 'root', 'link.txt'))
  })
  afterAll(async () => rm(dir, { recursive: true, force: true }))

  it('serves the directory’s files and listings, and nothing outside it', async () => {
    const s = await startHttpServer({ directory: join(dir, 'root'), bindAddress: '127.0.0.1', portMin: 8000, portMax: 9000, signal })
    try {
      expect(s.port).toBeGreaterThanOrEqual(8000)
      expect(s.port).toBeLessThanOrEqual(9000)
      expect(await get(s.port, '/7/ks.cfg')).toEqual({ status: 200, body: 'install\nrootpw secret\n' })
      expect((await get(s.port, '/7/ks.cfg', 'HEAD')).status).toBe(200)
      expect((await get(s.port, '/7/')).body).toContain('<a href="ks.cfg">ks.cfg</a>')
      expect((await get(s.port, '/7')).status).toBe(301)
      expect((await get(s.port, '/missing')).status).toBe(404)
      expect((await get(s.port, '/%2e%2e/outside.txt')).status).toBe(404)
      expect((await get(s.port, '/link.txt')).status).toBe(404)
      expect((await get(s.port, '/7/ks.cfg', 'POST')).status).toBe(405)
    } finally {
      await s.close()
    }
  })

  it('serves http_content paths only', async () => {
    const s = await startHttpServer({ content: { '/ks.cfg': 'from content' }, bindAddress: '127.0.0.1', portMin: 8000, portMax: 9000, signal })
    try {
      expect(await get(s.port, '/ks.cfg')).toEqual({ status: 200, body: 'from content' })
      expect((await get(s.port, '/other')).status).toBe(404)
    } finally {
      await s.close()
    }
  })

  it('takes a free port of the range, fails naming the range when none is free, and frees its port on close', async () => {
    const busy = await occupied()
    try {
      // The range holds the busy port and the one after it: the busy one is skipped whatever the order.
      const s = await startHttpServer({
        directory: join(dir, 'root'),
        bindAddress: '127.0.0.1',
        portMin: busy.port,
        portMax: busy.port + 1,
        signal,
        random: () => 0.99,
      })
      expect(s.port).toBe(busy.port + 1)
      await s.close()
      // Closed: the same port can be bound again at once.
      const again = await startHttpServer({ directory: join(dir, 'root'), bindAddress: '127.0.0.1', portMin: busy.port + 1, portMax: busy.port + 1, signal })
      expect(again.port).toBe(busy.port + 1)
      await again.close()
      await expect(startHttpServer({ directory: join(dir, 'root'), bindAddress: '127.0.0.1', portMin: busy.port, portMax: busy.port, signal })).rejects.toThrow(
        new RegExp(`no free port for the HTTP server in ${busy.port}-${busy.port} on 127.0.0.1`),
      )
      await expect(startHttpServer({ directory: dir, bindAddress: '127.0.0.1', portMin: 9, portMax: 8, signal })).rejects.toThrow(
        /http_port_min \(9\) must be less than or equal to http_port_max \(8\)/,
      )
    } finally {
      await busy.close()
    }
  })

  it('names the address {{ .HTTPIP }} stands for as Packer picks it', () => {
    expect(httpIp({ httpIp: '10.1.2.3', bindAddress: '0.0.0.0' })).toBe('10.1.2.3')
    expect(httpIp({ bindAddress: '127.0.0.1' })).toBe('127.0.0.1')
    expect(httpIp({ bindAddress: '0.0.0.0' })).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
  })
})
