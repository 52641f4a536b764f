import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BuildUi, Redactor, SshCommunicator, nonInteractive, runProvisioner, type BuildEvent, type BuildInfo, type ProvisionerPlugin } from '@tsimg/core/plugin'
import { file } from '@tsimg/provisioner-file'
import { sharedTarget, type SharedTarget } from '../../../test/support/shared-sshd.js'

const build: BuildInfo = { id: 'b-file', name: 'docker.web', sourceType: 'docker', sourceName: 'web', force: false, templateDir: '.' }
// The run's shared sshd: this file writes only under /opt, /srv/logs and /etc/motd-tsimg there.
let sshd: SharedTarget
let comm: SshCommunicator
let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-file-'))
  await mkdir(join(dir, 'tree/sub'), { recursive: true })
  await writeFile(join(dir, 'tree/app.conf'), 'port=80\n')
  await writeFile(join(dir, 'tree/sub/nested.txt'), 'nested\n')
  await writeFile(join(dir, 'tree/run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 })
  await writeFile(join(dir, 'single.txt'), 'single\n')
  sshd = await sharedTarget()
  comm = await SshCommunicator.connect({
    host: sshd.host,
    port: sshd.port,
    username: 'root',
    privateKey: sshd.privateKey,
    timeoutMs: 20_000,
    handshakeAttempts: 3,
    keepAliveIntervalMs: 2_000,
    hostKeyPolicy: 'accept-any',
  })
})
afterAll(async () => {
  await comm?.close()
  await rm(dir, { recursive: true, force: true })
})

/** Validates then runs one provisioner the way the provision step does; returns the `==>` lines. */
async function provision(p: ProvisionerPlugin, between?: () => Promise<void>): Promise<{ lines: string[]; error?: Error }> {
  const events: BuildEvent[] = []
  const ui = new BuildUi(build.name, (e) => events.push(e), nonInteractive, new Redactor())
  let error: Error | undefined
  try {
    await p.validate?.({ templateDir: dir, templateFile: join(dir, 'image.ts'), path: 'provisioners[0]' })
    await between?.()
    await runProvisioner(p, { communicator: comm, ui, signal: new AbortController().signal, build, generated: {}, templateDir: dir })
  } catch (err) {
    error = err as Error
  }
  const lines = events.flatMap((e) => (e.type === 'ui' && e.level === 'say' ? [e.text] : []))
  return error ? { lines, error } : { lines }
}

/** Files under a remote directory, relative to it, sorted. */
async function remoteFiles(path: string): Promise<string[]> {
  const r = await sshd.exec(`cd ${path} && find . -type f | sed 's|^./||' | sort`)
  expect(r.exitCode).toBe(0)
  return r.stdout.trim().split('\n').filter(Boolean)
}

async function localFiles(path: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(path, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out.push(relative(path, join(e.parentPath, e.name)))
  }
  return out.sort()
}

const cat = async (path: string) => (await sshd.exec(`cat ${path}`)).stdout

describe('file provisioner: upload', () => {
  it('copies a directory itself when the source has no trailing slash', async () => {
    const { lines, error } = await provision(file({ source: 'tree', destination: '/opt/a' }))
    expect(error).toBeUndefined()
    expect(lines).toEqual(['Uploading tree => /opt/a'])
    expect(await remoteFiles('/opt/a')).toEqual(['tree/app.conf', 'tree/run.sh', 'tree/sub/nested.txt'])
    expect(await cat('/opt/a/tree/sub/nested.txt')).toBe('nested\n')
    expect((await sshd.exec('stat -c %a /opt/a/tree/run.sh')).stdout.trim()).toBe('755')
  })

  it('copies the contents of a directory when the source ends with a slash', async () => {
    await provision(file({ source: 'tree/', destination: '/opt/b' }))
    expect(await remoteFiles('/opt/b')).toEqual(['app.conf', 'run.sh', 'sub/nested.txt'])
  })

  it('puts a file inside a destination ending with a slash, or an existing directory', async () => {
    await provision(file({ source: 'single.txt', destination: '/opt/c/' }))
    expect(await remoteFiles('/opt/c')).toEqual(['single.txt'])
    await sshd.exec('mkdir -p /opt/d')
    await provision(file({ source: './single.txt', destination: '/opt/d' }))
    expect(await remoteFiles('/opt/d')).toEqual(['single.txt'])
  })

  it('writes a file to a destination file path under the new name', async () => {
    await provision(file({ source: 'single.txt', destination: '/opt/renamed.txt' }))
    expect(await cat('/opt/renamed.txt')).toBe('single\n')
  })

  it('uploads several sources into a directory', async () => {
    const { lines } = await provision(file({ sources: ['single.txt', 'tree'], destination: '/opt/e/' }))
    expect(lines).toEqual(['Uploading single.txt => /opt/e/', 'Uploading tree => /opt/e/'])
    expect(await remoteFiles('/opt/e')).toEqual(['single.txt', 'tree/app.conf', 'tree/run.sh', 'tree/sub/nested.txt'])
  })

  it('writes content to the destination', async () => {
    const { lines } = await provision(file({ content: 'hello\nworld\n', destination: '/etc/motd-tsimg' }))
    expect(lines).toEqual(['Uploading content => /etc/motd-tsimg'])
    expect(await cat('/etc/motd-tsimg')).toBe('hello\nworld\n')
  })

  it('uploads a generated source that did not exist at validate time', async () => {
    const { error } = await provision(file({ source: 'gen/made.txt', destination: '/opt/made.txt', generated: true }), async () => {
      await mkdir(join(dir, 'gen'), { recursive: true })
      await writeFile(join(dir, 'gen/made.txt'), 'generated\n')
    })
    expect(error).toBeUndefined()
    expect(await cat('/opt/made.txt')).toBe('generated\n')
  })

  it('fails clearly when a generated source is still missing at provision time', async () => {
    const { error } = await provision(file({ source: 'gen/never.txt', destination: '/opt/', generated: true }))
    expect(error?.message).toBe('Cannot upload gen/never.txt: ENOENT')
  })
})

describe('file provisioner: download', () => {
  beforeAll(async () => {
    await sshd.exec('mkdir -p /srv/logs/sub && echo one > /srv/logs/one.log && echo two > /srv/logs/sub/two.log')
  })

  it('downloads a file into a directory ending with a slash, or to a file path', async () => {
    const { lines } = await provision(file({ source: '/srv/logs/one.log', destination: 'out/', direction: 'download' }))
    expect(lines).toEqual(['Downloading /srv/logs/one.log => out/'])
    expect(await readFile(join(dir, 'out/one.log'), 'utf8')).toBe('one\n')
    await provision(file({ source: '/srv/logs/one.log', destination: 'out/renamed.log', direction: 'download' }))
    expect(await readFile(join(dir, 'out/renamed.log'), 'utf8')).toBe('one\n')
  })

  it('downloads a remote directory itself without a trailing slash, its contents with one', async () => {
    await provision(file({ source: '/srv/logs', destination: 'dl1', direction: 'download' }))
    expect(await localFiles(join(dir, 'dl1'))).toEqual(['logs/one.log', 'logs/sub/two.log'])
    await provision(file({ source: '/srv/logs/', destination: 'dl2', direction: 'download' }))
    expect(await localFiles(join(dir, 'dl2'))).toEqual(['one.log', 'sub/two.log'])
    expect(await readFile(join(dir, 'dl2/sub/two.log'), 'utf8')).toBe('two\n')
  })

  it('fails when the remote source does not exist', async () => {
    const { error } = await provision(file({ source: '/srv/nope.log', destination: 'out/', direction: 'download' }))
    expect(error?.message).toMatch(/\/srv\/nope\.log/)
    await expect(stat(join(dir, 'out/nope.log'))).rejects.toThrow()
  })
})
