import type { Communicator } from '@tsimg/core'
import type { GossExec, GossResult, GossSuite, RunOptions } from './types.js'

/** Runs every check of the suite as shell probes through `exec` (no binary uploaded). */
export async function runGossSuite(suite: GossSuite, exec: GossExec, options: RunOptions = {}): Promise<GossResult[]> {
  void suite, exec, options
  throw new Error('runGossSuite: not implemented yet')
}

/** A GossExec over core's Communicator: collects stdout and stderr lines. */
export function execOver(communicator: Communicator): GossExec {
  return async (command, options = {}) => {
    const out: string[] = []
    const err: string[] = []
    const r = await communicator.exec(command, {
      onStdout: (l) => out.push(l),
      onStderr: (l) => err.push(l),
      ...(options.signal ? { signal: options.signal } : {}),
    })
    return { stdout: out.length ? out.join('\n') + '\n' : '', stderr: err.length ? err.join('\n') + '\n' : '', exitCode: r.exitCode }
  }
}
