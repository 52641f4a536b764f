// The docker communicator on its own, against a container of the image without sshd: commands,
// raw streams, cancellation, files and directories both ways, exec_user and fix_upload_owner,
// a container that goes away, and no secret on any command line.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DockerExecCommunicator } from '@tsimg/builder-docker'
import { CancelledError, DisconnectedError } from '@tsimg/core/plugin'
import { RUN_ID, dockerOut } from './helpers.js'

vi.setConfig({ testTimeout: 300_000, hookTimeout: 600_000 })

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const PLAIN = 'tsimg/debian-plain:bookworm'
const LABEL = `tsimg-test-exec=${RUN_ID}`
let id: string
let dir: string

/** A container that waits, as the builder's does. */
async function container(): Promise<string> {
  return dockerOut('run', '-d', '--label', LABEL, '--entrypoint', '/bin/sh', PLAIN, '-c', 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done')
}

beforeAll(async () => {
  await promisify(execFile)('bash', [join(root, 'scripts', 'make-plain-image.sh')], { maxBuffer: 16 * 1024 * 1024 })
  id = await container()
  await dockerOut('exec', id, 'useradd', '-m', '-u', '1234', 'app')
  dir = await mkdtemp(join(tmpdir(), 'tsimg-exec-'))
})
afterAll(async () => {
  const ids = (await dockerOut('ps', '-a', '-q', '--filter', `label=${LABEL}`)).split('\n').filter(Boolean)
  if (ids.length) await dockerOut('rm', '-f', ...ids)
  await rm(dir, { recursive: true, force: true })
})

/** Which way commands and uploads go: the engine's API on its socket (the default here), or the docker CLI. */
let viaCli = false
function comm(o: Partial<ConstructorParameters<typeof DockerExecCommunicator>[0]> = {}): DockerExecCommunicator {
  const before = process.env.TSIMG_DOCKER_BIN
  if (viaCli) process.env.TSIMG_DOCKER_BIN = 'docker'
  try {
    return new DockerExecCommunicator({ containerId: id, fixUploadOwner: true, ...o })
  } finally {
    if (before === undefined) delete process.env.TSIMG_DOCKER_BIN
    else process.env.TSIMG_DOCKER_BIN = before
  }
}

async function lines(c: DockerExecCommunicator, command: string): Promise<{ code: number | null; out: string[]; err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const r = await c.exec(command, { onStdout: (l) => out.push(l), onStderr: (l) => err.push(l) })
  return { code: r.exitCode, out, err }
}

/** The command lines of every process in the container and on this host. */
async function allCommandLines(): Promise<string> {
  const here = await Promise.all((await readdir('/proc')).filter((p) => /^\d+$/.test(p)).map((p) => readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')))
  const there = await dockerOut('exec', id, 'sh', '-c', 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done')
  return `${here.join('\n')}\n${there}`
}

describe.each(['the engine API', 'the docker CLI'])('docker communicator over %s', (transport) => {
  beforeAll(() => {
    viaCli = transport === 'the docker CLI'
  })

  describe('commands', () => {
    it('runs a command with quotes, backslashes and several lines, keeping stdout, stderr and the exit status apart', async () => {
      const r = await lines(comm(), `printf '%s\\n' 'a\\b "q"' 'it'"'"'s'\necho to-stderr >&2\nexit 7`)
      expect(r).toEqual({ code: 7, out: ['a\\b "q"', "it's"], err: ['to-stderr'] })
    })

    it('runs as the image user, or as exec_user', async () => {
      expect((await lines(comm(), 'id -un')).out).toEqual(['root'])
      expect((await lines(comm({ execUser: 'app' }), 'id -un; echo $HOME')).out).toEqual(['app', '/home/app'])
    })

    it('gives a command raw stdin and stdout (spawn), byte for byte', async () => {
      const p = comm().spawn('cat; exit 3')
      const bytes = Buffer.from([0, 1, 2, 255, 10, 13, 92, 0])
      const got: Buffer[] = []
      p.stdout.on('data', (b: Buffer) => got.push(b))
      p.stdin.end(bytes)
      expect(await p.done).toEqual({ exitCode: 3 })
      expect(Buffer.concat(got)).toEqual(bytes)
    })

    it('puts no secret on any command line, here or in the container, while the command runs', async () => {
      const secret = `s3cret-${RUN_ID}`
      const ac = new AbortController()
      let seen = ''
      const run = comm().exec(`API_TOKEN='${secret}' sh -c 'echo "length=\${#API_TOKEN}"; sleep 3600'`, {
        signal: ac.signal,
        onStdout: (l) => {
          seen = l
          // The command is running (and holds the secret): look at every process now.
          void allCommandLines().then((all) => {
            seen += all.includes(secret) ? ' LEAKED' : ' clean'
            ac.abort()
          })
        },
      })
      await expect(run).rejects.toBeInstanceOf(CancelledError)
      expect(seen).toBe(`length=${secret.length} clean`)
    })

    it('cancelling stops the command and what it started in the container', async () => {
      const ac = new AbortController()
      const run = comm().exec('sleep 4601 & sleep 4602; echo never', { signal: ac.signal, onStdout: () => undefined })
      // Wait until both sleeps run, then cancel.
      for (;;) {
        const ps = await dockerOut('exec', id, 'sh', '-c', 'cat /proc/[0-9]*/cmdline | tr "\\0" " "')
        if (ps.includes('sleep 4601') && ps.includes('sleep 4602')) break
        await sleep(100)
      }
      ac.abort()
      await expect(run).rejects.toBeInstanceOf(CancelledError)
      for (;;) {
        const ps = await dockerOut('exec', id, 'sh', '-c', 'cat /proc/[0-9]*/cmdline | tr "\\0" " "')
        if (!ps.includes('sleep 460')) break
        await sleep(100)
      }
    })

    it("an exec_user the image does not have fails, naming docker's reason", async () => {
      await expect(comm({ execUser: 'nosuch' }).exec('true')).rejects.toThrow(/could not run the command: unable to find user nosuch/)
    })

    it('a container that stops while a command runs is a DisconnectedError, not an exit status', async () => {
      const other = await container()
      const c = comm({ containerId: other })
      const run = c.exec('echo started; sleep 3600', { onStdout: () => void dockerOut('kill', other) })
      await expect(run).rejects.toBeInstanceOf(DisconnectedError)
      expect(c.connected).toBe(false)
      await expect(c.reconnect()).rejects.toThrow(/is not running/)
    })
  })

  describe('files', () => {
    it('uploads a file and content with their modes, owned by exec_user (fix_upload_owner)', async () => {
      const local = join(dir, 'tool.sh')
      await writeFile(local, '#!/bin/sh\necho tool\n', { mode: 0o750 })
      const app = comm({ execUser: 'app' })
      await app.uploadFile(local, '/tmp/tool-renamed.sh')
      await app.uploadContent('KEY=1\n', '/tmp/app.env', { mode: 0o600 })
      expect((await lines(app, 'stat -c "%n %a %U:%G %s" /tmp/tool-renamed.sh /tmp/app.env; /tmp/tool-renamed.sh; cat /tmp/app.env')).out).toEqual([
        '/tmp/tool-renamed.sh 750 app:app 20',
        '/tmp/app.env 600 app:app 6',
        'tool',
        'KEY=1',
      ])
    })

    it('with fix_upload_owner false, uploads belong to root whoever runs the commands', async () => {
      const app = comm({ execUser: 'app', fixUploadOwner: false })
      await app.uploadContent('x', '/tmp/root-owned')
      expect((await lines(app, 'stat -c "%U:%G %a" /tmp/root-owned')).out).toEqual(['root:root 644'])
    })

    it('uploads a directory tree (nested folders, modes, a symlink) into a folder it creates, and downloads it back', async () => {
      const src = join(dir, `tree-${viaCli}`)
      await mkdir(join(src, 'sub', 'deeper'), { recursive: true })
      await writeFile(join(src, 'a.txt'), 'a\n')
      await writeFile(join(src, 'sub', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 })
      await writeFile(join(src, 'sub', 'deeper', 'b.bin'), Buffer.alloc(300_000, 7))
      await symlink('a.txt', join(src, 'link'))
      const c = comm({ execUser: 'app' })
      await c.uploadDir(src, `/home/app/new-${viaCli}/tree`)
      expect(await c.isDir(`/home/app/new-${viaCli}/tree/sub`)).toBe(true)
      expect(await c.isDir(`/home/app/new-${viaCli}/tree/a.txt`)).toBe(false)
      expect((await lines(c, `cd /home/app/new-${viaCli} && find . -printf "%p %y %u %s\\n" | sort; readlink tree/link`)).out).toEqual([
        '. d app 4096',
        './tree d app 4096',
        './tree/a.txt f app 2',
        './tree/link l app 5',
        './tree/sub d app 4096',
        './tree/sub/deeper d app 4096',
        './tree/sub/deeper/b.bin f app 300000',
        './tree/sub/run.sh f app 10',
        'a.txt',
      ])

      const back = join(dir, `back-${viaCli}`)
      await c.downloadDir(`/home/app/new-${viaCli}/tree`, back)
      expect((await readdir(back)).sort()).toEqual(['a.txt', 'link', 'sub'])
      expect(await readFile(join(back, 'sub', 'deeper', 'b.bin'))).toEqual(Buffer.alloc(300_000, 7))
      expect((await stat(join(back, 'sub', 'run.sh'))).mode & 0o777).toBe(0o755)
      expect(await readlink(join(back, 'link'))).toBe('a.txt')

      await c.downloadFile(`/home/app/new-${viaCli}/tree/link`, join(dir, `one-${viaCli}`, 'followed.txt'))
      expect(await readFile(join(dir, `one-${viaCli}`, 'followed.txt'), 'utf8')).toBe('a\n')
    })

    it('a download of a missing path, and an upload into a missing folder, fail naming the path', async () => {
      await expect(comm().downloadFile('/nope/file', join(dir, 'x'))).rejects.toThrow(/download of \/nope\/file to .* failed: .*\/nope\/file/)
      await expect(comm().uploadContent('x', '/nope/dir/file')).rejects.toThrow(/upload to \/nope\/dir\/file failed: .*\/nope\/dir/)
    })
  })
})
