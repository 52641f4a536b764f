import { execFile } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * The floppy and CD images vsphere-iso attaches, made as Packer makes them:
 * - floppy (floppy_files, floppy_dirs, floppy_content; label floppy_label, default `packer`): a
 *   1.44 MB FAT12 image, made with mtools (`mformat`, `mcopy`; Debian's mtools). floppy_files
 *   go flat to the root (globs allowed); a floppy_dirs entry is copied as that folder, or its
 *   contents when it ends with `/`; floppy_content writes files by path.
 * - CD (cd_files, cd_content; label cd_label): an ISO 9660 image with Rock Ridge and Joliet
 *   made by xorriso (Debian's xorriso), as Packer runs it. cd_files entries keep their names at
 *   the root (a folder keeps its tree; a trailing `/` copies its contents); cd_content by path.
 * Relative paths are relative to the template's folder.
 */
export interface MediaSpec {
  readonly files: readonly string[]
  readonly dirs?: readonly string[]
  readonly content: Readonly<Record<string, string>>
  readonly label: string
}

export function hasMedia(s: MediaSpec): boolean {
  return s.files.length > 0 || (s.dirs?.length ?? 0) > 0 || Object.keys(s.content).length > 0
}

/** Stages what goes on the medium in a temporary folder (the caller removes `root`'s parent). */
async function stage(s: MediaSpec, baseDir: string, work: string, flatFiles: boolean): Promise<string> {
  const root = join(work, 'root')
  await mkdir(root, { recursive: true })
  for (const pattern of s.files) {
    const matches = await expand(pattern, baseDir)
    if (!matches.length) throw new Error(`${pattern}: no such file`)
    for (const m of matches) {
      const st = await stat(m)
      if (flatFiles && st.isDirectory()) continue // Packer's floppy_files skips folders (floppy_dirs takes them)
      if (!flatFiles && pattern.endsWith('/') && st.isDirectory()) await cp(m, root, { recursive: true })
      else await cp(m, join(root, basename(m)), { recursive: true })
    }
  }
  for (const d of s.dirs ?? []) {
    const src = resolve(baseDir, d)
    if (!(await stat(src)).isDirectory()) throw new Error(`${d}: not a folder`)
    await cp(src, d.endsWith('/') ? root : join(root, basename(src)), { recursive: true })
  }
  for (const [path, text] of Object.entries(s.content)) {
    const target = resolve(root, `./${path}`)
    if (!target.startsWith(root + '/')) throw new Error(`${path}: outside the medium`)
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, text)
  }
  return root
}

async function expand(pattern: string, baseDir: string): Promise<string[]> {
  const abs = resolve(baseDir, pattern)
  if (!/[*?[]/.test(pattern)) {
    try {
      await stat(abs)
      return [abs]
    } catch {
      return []
    }
  }
  // Wildcards in the last part of the path (`ks/*.cfg`), as templates use them.
  const dir = dirname(abs)
  if (/[*?[]/.test(dir)) throw new Error(`${pattern}: wildcards are supported in the file name only`)
  const re = new RegExp(
    `^${basename(abs)
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  )
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => join(dir, n))
}

/** Makes the floppy image in a temporary folder; resolves with its path and the folder to remove. */
export async function makeFloppy(s: MediaSpec, baseDir: string): Promise<{ image: string; workDir: string }> {
  const work = await mkdtemp(join(tmpdir(), 'tsimg-floppy-'))
  try {
    const root = await stage(s, baseDir, work, true)
    const image = join(work, 'floppy.flp')
    const env = { ...process.env, MTOOLS_SKIP_CHECK: '1', MTOOLS_NO_VFAT: '0' }
    await run('mformat', ['-i', image, '-C', '-f', '1440', '-v', s.label.slice(0, 11).toUpperCase(), '::'], { env })
    const entries = await readdir(root)
    if (entries.length) await run('mcopy', ['-i', image, '-s', '-p', '-Q', ...entries.map((e) => join(root, e)), '::/'], { env })
    return { image, workDir: work }
  } catch (e) {
    await rm(work, { recursive: true, force: true })
    throw toolError(e, 'mtools', 'the floppy image')
  }
}

/** Makes the CD image; resolves with its path and the folder to remove. */
export async function makeCd(s: MediaSpec, baseDir: string): Promise<{ image: string; workDir: string }> {
  const work = await mkdtemp(join(tmpdir(), 'tsimg-cd-'))
  try {
    const root = await stage(s, baseDir, work, false)
    const image = join(work, 'cd.iso')
    await run('xorriso', ['-as', 'genisoimage', '-rock', '-joliet', '-volid', s.label, '-output', image, root])
    return { image, workDir: work }
  } catch (e) {
    await rm(work, { recursive: true, force: true })
    throw toolError(e, 'xorriso', 'the CD image')
  }
}

function toolError(e: unknown, pkg: string, what: string): Error {
  const err = e as NodeJS.ErrnoException & { stderr?: string }
  if (err.code === 'ENOENT' && err.path && !err.path.includes('/')) return new Error(`making ${what} needs ${err.path} (Debian: apt-get install ${pkg})`)
  return new Error(`making ${what} failed: ${(err.stderr || err.message).trim()}`)
}
