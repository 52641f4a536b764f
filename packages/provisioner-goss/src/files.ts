import { stat } from 'node:fs/promises'
import { basename, isAbsolute, join, resolve } from 'node:path'

/**
 * Where Packer's goss provisioner would find the gossfile once it uploaded `tests` to
 * remote_path, found on this machine instead: each `tests` entry appears there under its base
 * name (a directory with a trailing slash: its contents), and `gossFile` (default `goss.yaml`,
 * or the only file given) is looked up among them. Returns the local path, or a reason.
 */
export async function localGossfile(
  tests: readonly string[],
  gossFile: string | undefined,
  baseDir: string,
): Promise<{ path: string } | { error: string; field: 'tests' | 'gossFile' }> {
  const entries = await Promise.all(
    tests.map(async (t) => {
      const local = isAbsolute(t) ? t : resolve(baseDir, t)
      const s = await stat(local).catch(() => undefined)
      return { given: t, local, dir: s?.isDirectory() ?? false, exists: Boolean(s), contents: t.endsWith('/') }
    }),
  )
  const missing = entries.find((e) => !e.exists)
  if (missing) return { error: `${missing.given} does not exist (${missing.local})`, field: 'tests' }
  const files = entries.filter((e) => !e.dir)
  const wanted = gossFile || (entries.length === 1 && files.length === 1 ? basename(files[0]!.local) : 'goss.yaml')
  const candidates: string[] = []
  for (const e of entries) {
    if (e.dir && e.contents) candidates.push(join(e.local, wanted))
    else if (e.dir) {
      const [head, ...rest] = wanted.split('/')
      if (head === basename(e.local) && rest.length) candidates.push(join(e.local, ...rest))
    } else if (wanted === basename(e.local)) candidates.push(e.local)
  }
  for (const c of candidates) {
    if ((await stat(c).catch(() => undefined))?.isFile()) return { path: c }
  }
  const shown = entries.map((e) => e.given).join(', ')
  return {
    error: `${gossFile ? `goss_file ${gossFile}` : 'goss.yaml (the default goss_file)'} is not among the uploaded tests (${shown})${gossFile ? '' : ': set goss_file'}`,
    field: gossFile ? 'gossFile' : 'tests',
  }
}
