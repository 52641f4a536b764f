import { z } from 'zod'
import type { CheckResult, VerifyPlugin } from './types.js'

/**
 * A command check: `command` runs with `sh -c` on the machine started from the new image.
 * (Documented here, not on the field: the option tables document shell-local's `command`.)
 */
export interface CommandCheckOptions {
  /** Shown in the results; default the command. */
  name?: string
  command: string
  /** Expected exit status; default 0. */
  exitStatus?: number
  /** Lines of text standard output must contain, each somewhere. */
  stdout?: string[]
}

const schema = z.strictObject({
  name: z.string().min(1).optional(),
  command: z.string().min(1),
  exitStatus: z.number().int().min(0).max(255).optional(),
  stdout: z.array(z.string()).optional(),
})

/**
 * A check without goss: runs a command on the verify machine and compares its exit status
 * (and, optionally, text its output must contain).
 *
 *   verify: { checks: [commandCheck({ name: 'nginx config', command: 'nginx -t' })] }
 */
export function commandCheck(options: CommandCheckOptions): VerifyPlugin<CommandCheckOptions> {
  const label = options.name ?? options.command
  return {
    kind: 'verify',
    type: 'command',
    options,
    schema,
    describe: () => `command ${label}`,
    async run({ communicator, signal }) {
      const started = Date.now()
      const out: string[] = []
      const r = await communicator.exec(options.command, { signal, onStdout: (l) => out.push(l), onStderr: () => undefined })
      const ms = Date.now() - started
      const want = options.exitStatus ?? 0
      const results: CheckResult[] = [
        {
          name: `command: ${label}: exit-status`,
          outcome: r.exitCode === want ? 'pass' : 'fail',
          expected: String(want),
          actual: r.exitCode === null ? `killed by signal ${r.exitSignal ?? '?'}` : String(r.exitCode),
          suite: `command ${label}`,
          durationMs: ms,
        },
      ]
      const text = out.join('\n')
      for (const s of options.stdout ?? []) {
        results.push({
          name: `command: ${label}: stdout`,
          outcome: text.includes(s) ? 'pass' : 'fail',
          expected: `to contain ${JSON.stringify(s)}`,
          actual: JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text),
          suite: `command ${label}`,
          durationMs: ms,
        })
      }
      return results
    },
  }
}
