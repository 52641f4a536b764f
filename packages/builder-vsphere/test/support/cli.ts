/** Shared by the builder-vsphere tests that run the `tsimg` CLI (and Packer) as a user does: processes, kills, sweeps, VM removal. */
import { spawn, type ChildProcess } from 'node:child_process'
import { join, resolve } from 'node:path'
import type { VimClient } from '@tsimg/builder-vsphere/vim'
import type { Sim } from '../support.js'

const ROOT = resolve(import.meta.dirname, '../../../..')
const CLI = join(ROOT, 'packages/core/bin/tsimg.js')

export interface RunOptions {
  /** Added to the test's environment (with colours off), or the whole environment with `bare`. */
  readonly env: NodeJS.ProcessEnv
  /** Default: the repository's root. */
  readonly cwd?: string
  /** The process gets only `env` (and no colours): no vCenter login the test process may hold. */
  readonly bare?: boolean
  /** Called with the output so far on each chunk of it. */
  readonly onOutput?: (out: string, child: ChildProcess) => void
}

/** Runs a command to its exit: its code (null when killed) and its stdout and stderr, interleaved as they came. */
export function runProcess(cmd: string, args: readonly string[], o: RunOptions): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const env = { ...(o.bare ? {} : process.env), NO_COLOR: '1', PACKER_NO_COLOR: '1', CHECKPOINT_DISABLE: '1', ...o.env }
    const child = spawn(cmd, args, { cwd: o.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    const add = (d: Buffer) => {
      out += d.toString()
      o.onOutput?.(out, child)
    }
    child.stdout.on('data', add)
    child.stderr.on('data', add)
    child.on('exit', (code) => res({ code, out }))
  })
}

/** `tsimg <args>`, as runProcess runs it. */
export const tsimg = (args: readonly string[], o: RunOptions): Promise<{ code: number | null; out: string }> => runProcess(process.execPath, [CLI, ...args], o)

/** An `onOutput` that kills the process with SIGKILL (no cleanup of its own) once its output has `text`. */
export const killOnOutput =
  (text: string) =>
  (out: string, child: ChildProcess): void => {
    if (out.includes(text) && child.exitCode === null) child.kill('SIGKILL')
  }

/** The vCenter login `tsimg cleanup` reads from the environment. */
export const vcenterLogin = (s: Sim): NodeJS.ProcessEnv => ({ VSPHERE_USER: s.sim.username, VSPHERE_PASSWORD: s.sim.password })

/** `tsimg cleanup --sweep` of everything tsimg marked in the simulator, whatever its age, without asking. */
export const sweep = (s: Sim, stateDir: string, cwd?: string): Promise<{ code: number | null; out: string }> =>
  tsimg(['cleanup', '--sweep', '--cloud', 'vsphere', '--region', s.sim.server, '--older-than', '0s', '--yes'], {
    env: { TSIMG_STATE_DIR: stateDir, ...vcenterLogin(s), VSPHERE_ALLOW_UNVERIFIED_SSL: 'true' },
    ...(cwd && { cwd }),
  })

/** Destroys a VM (or template) of the simulator's inventory by its moref. */
export async function destroyVm(c: VimClient, moref: string): Promise<void> {
  await c.task('Destroy_Task', { $ref: true, type: 'VirtualMachine', value: moref }, {}, { signal: AbortSignal.timeout(30_000) })
}
