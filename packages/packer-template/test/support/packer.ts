/** Runs HashiCorp Packer 1.6.6 (Debian's `packer`, installed by scripts/setup.sh) and the tsimg CLI on the same input, to compare them. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const CLI = resolve(import.meta.dirname, '../../../core/bin/tsimg.js')

export interface Run {
  readonly code: number | null
  readonly out: string
}

/** `packer <args>` in `cwd`, with an empty HOME (no plugins, no config of this machine) and no update check. */
export function packer(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const home = mkdtempSync(join(tmpdir(), 'tsimg-packer-home-'))
  try {
    const r = spawnSync('packer', args, { cwd, encoding: 'utf8', env: { ...process.env, HOME: home, CHECKPOINT_DISABLE: '1', PACKER_NO_COLOR: '1', ...env } })
    if (r.error) throw new Error(`packer could not run (scripts/setup.sh installs it): ${r.error.message}`)
    return { code: r.status, out: `${r.stdout}${r.stderr}` }
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

/** `tsimg <args>` in `cwd`, as a user runs it. */
export function tsimgSync(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } })
  return { code: r.status, out: `${r.stdout}${r.stderr}` }
}
