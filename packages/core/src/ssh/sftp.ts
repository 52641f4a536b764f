import { mkdir, open, readdir, stat } from 'node:fs/promises'
import { join, posix } from 'node:path'
import type { SFTPWrapper, Stats, TransferOptions as Ssh2TransferOptions } from 'ssh2'
import { CancelledError } from '../errors.js'

/**
 * SFTP transfers tuned for throughput: big files go with many requests in flight
 * (ssh2's fastPut/fastGet), trees with many files in flight at once, directories first.
 */

/** Requests in flight for one big file, and their size (OpenSSH's sftp-server accepts up to 256 KiB). */
const FILE_CONCURRENCY = 64
const CHUNK_SIZE = 128 * 1024
/** Files in flight for trees of small files. */
const TREE_CONCURRENCY = 64

function cb<T>(fn: (done: (err: Error | null | undefined, v?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))))
}

/** Requests in flight per big file inside a tree (many files at once: bound the buffers). */
const TREE_FILE_CONCURRENCY = 8

export function fastPut(sftp: SFTPWrapper, local: string, remote: string, mode?: number, concurrency = FILE_CONCURRENCY): Promise<void> {
  const opts: Ssh2TransferOptions = { concurrency, chunkSize: CHUNK_SIZE }
  if (mode !== undefined) opts.mode = mode
  return cb<void>((done) => sftp.fastPut(local, remote, opts, done))
}

export function fastGet(sftp: SFTPWrapper, remote: string, local: string, concurrency = FILE_CONCURRENCY): Promise<void> {
  return cb<void>((done) => sftp.fastGet(remote, local, { concurrency, chunkSize: CHUNK_SIZE }, done))
}

export function chmod(sftp: SFTPWrapper, remote: string, mode: number): Promise<void> {
  return cb<void>((done) => sftp.chmod(remote, mode, done))
}

export function statRemote(sftp: SFTPWrapper, remote: string): Promise<Stats | undefined> {
  return new Promise((resolve, reject) =>
    sftp.stat(remote, (err, st) => {
      if (!err) resolve(st)
      else if ((err as { code?: number }).code === 2)
        resolve(undefined) // NO_SUCH_FILE
      else reject(err)
    }),
  )
}

/** Writes bytes to a remote file in one open/write/close sequence (no temp file). */
export async function writeRemote(sftp: SFTPWrapper, remote: string, data: Uint8Array, mode = 0o644): Promise<void> {
  const handle = await cb<Buffer>((done) => sftp.open(remote, 'w', { mode }, done))
  try {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    // Requests are pipelined: ssh2 queues them and the server answers in order.
    const writes: Promise<void>[] = []
    for (let off = 0; off < buf.length; off += CHUNK_SIZE) {
      const len = Math.min(CHUNK_SIZE, buf.length - off)
      writes.push(cb<void>((done) => sftp.write(handle, buf, off, len, off, done)))
    }
    await Promise.all(writes)
  } finally {
    await cb<void>((done) => sftp.close(handle, done))
  }
}

/** mkdir -p over SFTP. */
async function mkdirp(sftp: SFTPWrapper, dir: string): Promise<void> {
  const st = await statRemote(sftp, dir)
  if (st?.isDirectory()) return
  if (st) throw new Error(`${dir} exists and is not a directory`)
  const parent = posix.dirname(dir)
  if (parent !== dir) await mkdirp(sftp, parent)
  await cb<void>((done) =>
    sftp.mkdir(dir, (err) => {
      // A parallel mkdir of the same folder is fine.
      if (err && (err as { code?: number }).code === 4) return statRemote(sftp, dir).then((s) => done(s?.isDirectory() ? null : err), done)
      done(err)
    }),
  )
}

interface LocalTree {
  /** Relative POSIX paths of directories, parents first. */
  dirs: string[]
  files: { rel: string; size: number; mode: number }[]
}

async function walkLocal(root: string): Promise<LocalTree> {
  const tree: LocalTree = { dirs: [], files: [] }
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(join(root, rel), { withFileTypes: true })
    const subdirs: string[] = []
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name
      if (e.isDirectory()) {
        tree.dirs.push(r)
        subdirs.push(r)
      } else {
        // Links are followed, as scp and Packer's file provisioner do.
        const st = await stat(join(root, r))
        if (st.isDirectory()) {
          tree.dirs.push(r)
          subdirs.push(r)
        } else tree.files.push({ rel: r, size: st.size, mode: st.mode & 0o7777 })
      }
    }
    for (const d of subdirs) await visit(d)
  }
  await visit('')
  return tree
}

/** Runs fn over items with at most `limit` in flight; stops starting new ones after the first error. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0
  let failed: unknown
  const worker = async (): Promise<void> => {
    while (next < items.length && failed === undefined) {
      if (signal?.aborted) throw new CancelledError('Transfer cancelled')
      const item = items[next++]!
      try {
        await fn(item)
      } catch (err) {
        failed ??= err
        throw err
      }
    }
  }
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker))
  if (failed !== undefined) throw failed
  for (const r of results) if (r.status === 'rejected') throw r.reason
}

/** Uploads a local tree into remoteDir over SFTP: all folders first (by depth), then files in parallel. */
export async function uploadTreeSftp(sftp: SFTPWrapper, localDir: string, remoteDir: string, modeOverride?: number, signal?: AbortSignal): Promise<void> {
  const tree = await walkLocal(localDir)
  await mkdirp(sftp, remoteDir)
  const byDepth = new Map<number, string[]>()
  for (const d of tree.dirs) {
    const depth = d.split('/').length
    byDepth.set(depth, [...(byDepth.get(depth) ?? []), d])
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
    await pool(byDepth.get(depth)!, TREE_CONCURRENCY, (d) => mkdirRemoteOk(sftp, posix.join(remoteDir, d)), signal)
  }
  await pool(
    tree.files,
    TREE_CONCURRENCY,
    async (f) => {
      const local = join(localDir, f.rel)
      const remote = posix.join(remoteDir, f.rel)
      const mode = modeOverride ?? f.mode
      if (f.size > 4 * CHUNK_SIZE) await fastPut(sftp, local, remote, mode, TREE_FILE_CONCURRENCY)
      else {
        const fh = await open(local, 'r')
        try {
          await writeRemote(sftp, remote, await fh.readFile(), mode)
        } finally {
          await fh.close()
        }
      }
    },
    signal,
  )
}

function mkdirRemoteOk(sftp: SFTPWrapper, dir: string): Promise<void> {
  return cb<void>((done) =>
    sftp.mkdir(dir, (err) => {
      if (!err) return done(null)
      // Already there (uploading over an existing tree) is fine if it is a folder.
      statRemote(sftp, dir).then((s) => done(s?.isDirectory() ? null : err), done)
    }),
  )
}

/** Downloads remoteDir's contents into localDir, recursively. */
export async function downloadTreeSftp(sftp: SFTPWrapper, remoteDir: string, localDir: string, signal?: AbortSignal): Promise<void> {
  const files: { remote: string; local: string; mode: number }[] = []
  const visit = async (rdir: string, ldir: string): Promise<void> => {
    await mkdir(ldir, { recursive: true })
    const entries = await cb<{ filename: string; attrs: Stats }[]>((done) => sftp.readdir(rdir, done))
    const subdirs: Promise<void>[] = []
    for (const e of entries) {
      if (e.filename === '.' || e.filename === '..') continue
      const r = posix.join(rdir, e.filename)
      const l = join(ldir, e.filename)
      let attrs = e.attrs
      if (attrs.isSymbolicLink()) attrs = await cb<Stats>((done) => sftp.stat(r, done))
      if (attrs.isDirectory()) subdirs.push(visit(r, l))
      else files.push({ remote: r, local: l, mode: attrs.mode & 0o7777 })
    }
    await Promise.all(subdirs)
  }
  await visit(remoteDir, localDir)
  await pool(
    files,
    TREE_CONCURRENCY,
    async (f) => {
      await fastGet(sftp, f.remote, f.local, TREE_FILE_CONCURRENCY)
      const fh = await open(f.local, 'r+')
      await fh.chmod(f.mode).finally(() => fh.close())
    },
    signal,
  )
}
