import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { CancelledError, TsimgError } from '@tsimg/core/plugin'

export interface RunOptions {
  readonly command: string
  readonly args: readonly string[]
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
  readonly signal: AbortSignal
  /** Each line of output, without its newline. */
  readonly onLine: (line: string, stream: 'stdout' | 'stderr') => void
}

/** After SIGTERM, how long ansible and its workers get before SIGKILL. */
const KILL_GRACE_MS = 3000

/**
 * Runs a local command in a process group of its own and streams its output line by line;
 * resolves with its exit code. Aborting the signal ends the whole group (ansible-playbook, its
 * forked workers and their ssh clients): SIGTERM, then SIGKILL, and rejects with
 * CancelledError once the group leader is gone.
 */
export function runLocal(opts: RunOptions): Promise<number> {
  if (opts.signal.aborted) return Promise.reject(new CancelledError())
  return new Promise((resolve, reject) => {
    const child = spawn(opts.command, [...opts.args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let killTimer: NodeJS.Timeout | undefined
    const group = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid) process.kill(-child.pid, sig)
      } catch {
        // the group is already gone
      }
    }
    const onAbort = (): void => {
      group('SIGTERM')
      killTimer = setTimeout(() => group('SIGKILL'), KILL_GRACE_MS)
    }
    opts.signal.addEventListener('abort', onAbort, { once: true })
    const lines = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr'): Promise<void> =>
      new Promise((done) => {
        const rl = createInterface({ input: stream, crlfDelay: Infinity })
        rl.on('line', (l) => opts.onLine(l, name))
        rl.on('close', done)
      })
    const output = Promise.all([lines(child.stdout, 'stdout'), lines(child.stderr, 'stderr')])
    child.once('error', (err: NodeJS.ErrnoException) => {
      opts.signal.removeEventListener('abort', onAbort)
      reject(
        err.code === 'ENOENT'
          ? new TsimgError('ANSIBLE_NOT_FOUND', `Cannot run ${opts.command}: not found`, { cause: err, hint: INSTALL_HINT })
          : new TsimgError('ANSIBLE_SPAWN', `Cannot run ${opts.command}: ${err.message}`, { cause: err }),
      )
    })
    child.once('close', (code, sig) => {
      opts.signal.removeEventListener('abort', onAbort)
      clearTimeout(killTimer)
      // Workers that outlived the leader (they share its group) go too.
      group('SIGKILL')
      void output.then(() => {
        if (opts.signal.aborted) reject(new CancelledError())
        else resolve(code ?? 128 + signalNumber(sig))
      })
    })
  })
}

export const INSTALL_HINT =
  'Install Ansible on this machine (Debian/Ubuntu: `sudo apt-get install ansible`; elsewhere: `pipx install ansible-core`), or set command to the path of ansible-playbook'

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig === 'SIGKILL' ? 9 : sig === 'SIGTERM' ? 15 : sig === 'SIGINT' ? 2 : 0
}
