import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * Remembers that a template type-checked clean, with a hash of every file the compiler read
 * (the template, its local imports, the .d.ts of @tsimg/* and their dependencies). If none of
 * them changed, the next run skips the compiler (0.3-0.6 s of a `tsimg build`). Any
 * edit to any of those files changes a hash, so a skipped check is one that would pass.
 *
 * Hashing is itself slow when the template reads a cloud SDK's types (1,700 files for
 * amazon-ebs), so each file's size, inode and mtime are kept too, as git's index does: a file
 * whose stat is unchanged is not read again. Only a file last modified well before the record
 * was written is trusted that way (git's "racy" rule: an edit within the same clock tick as the
 * check could keep its mtime); any other is hashed.
 */
interface CleanRecord {
  readonly key: string
  /** When the files were hashed (ms since the epoch). */
  readonly at?: number
  readonly files: ReadonlyArray<readonly [path: string, sha256: string, stat?: string]>
}

/** A file modified less than this before the check is hashed every time (coarse filesystem clocks). */
const RACY_MS = 2000

export function cacheDir(): string {
  if (process.env.TSIMG_CACHE_DIR) return process.env.TSIMG_CACHE_DIR
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tsimg')
}

function recordPath(templateFile: string): string {
  return join(cacheDir(), 'typecheck', `${sha256(templateFile).slice(0, 32)}.json`)
}

/** Whether this template, with these compiler settings, type-checked clean and nothing it read changed since. */
export async function knownClean(templateFile: string, key: string): Promise<boolean> {
  let record: CleanRecord
  try {
    record = JSON.parse(await readFile(recordPath(templateFile), 'utf8')) as CleanRecord
  } catch {
    return false
  }
  if (record.key !== key || !Array.isArray(record.files) || record.files.length === 0) return false
  const at = typeof record.at === 'number' ? record.at : 0
  const same = await Promise.all(
    record.files.map(async ([path, hash, was]) => {
      const now = await statOf(path)
      if (now === undefined) return false
      if (was !== undefined && now.key === was && now.mtimeMs < at - RACY_MS) return true
      return (await hashFile(path)) === hash
    }),
  )
  return same.every(Boolean)
}

/** Record a clean check. Failing to write the cache never fails the build. */
export async function rememberClean(templateFile: string, key: string, files: readonly string[]): Promise<void> {
  try {
    const at = Date.now()
    const hashed: [string, string, string][] = []
    // stat before hashing: an edit made while hashing then shows as a changed stat next time.
    for (const [p, st, h] of await Promise.all(files.map(async (p) => [p, await statOf(p), await hashFile(p)] as const))) {
      if (h === undefined || st === undefined) return
      hashed.push([p, h, st.key])
    }
    const path = recordPath(templateFile)
    await mkdir(join(cacheDir(), 'typecheck'), { recursive: true })
    const tmp = `${path}.${process.pid}.tmp`
    await writeFile(tmp, JSON.stringify({ key, at, files: hashed } satisfies CleanRecord))
    await rename(tmp, path)
  } catch {
    // A read-only home or full disk only costs the next run its compiler run.
  }
}

async function statOf(path: string): Promise<{ key: string; mtimeMs: number } | undefined> {
  try {
    const s = await stat(path, { bigint: true })
    return { key: `${s.size}:${s.ino}:${s.mtimeNs}:${s.ctimeNs}`, mtimeMs: Number(s.mtimeMs) }
  } catch {
    return undefined
  }
}

async function hashFile(path: string): Promise<string | undefined> {
  try {
    return sha256(await readFile(path))
  } catch {
    return undefined
  }
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
