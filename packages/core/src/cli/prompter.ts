import { createInterface } from 'node:readline'
import { CancelledError } from '../errors.js'
import { nonInteractive } from '../ui/ui.js'
import type { Prompter } from '../ui/ui.js'

/**
 * Asks on the terminal when stdin is one; otherwise the non-interactive prompter, which never
 * blocks. The readline interface is opened per question and not in terminal mode, so Ctrl-C
 * stays a real SIGINT (handled by the interrupt handler) instead of being swallowed by readline.
 */
export function terminalPrompter(
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
  output: NodeJS.WritableStream = process.stdout,
): Prompter {
  if (!input.isTTY) return nonInteractive
  return {
    interactive: true,
    ask(question, signal) {
      return new Promise<string>((resolve, reject) => {
        if (signal?.aborted) return reject(new CancelledError())
        const rl = createInterface({ input, output, terminal: false })
        const done = (): void => {
          signal?.removeEventListener('abort', onAbort)
          rl.close()
          // Let the process exit when nothing else is pending.
          ;(input as NodeJS.ReadStream).unref?.()
        }
        const onAbort = (): void => {
          done()
          reject(new CancelledError())
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        output.write(question.endsWith(' ') || question.endsWith('\n') ? question : `${question} `)
        rl.once('line', (line) => {
          done()
          resolve(line)
        })
        rl.once('close', () => {
          // stdin ended (Ctrl-D): answer with an empty line rather than hanging.
          signal?.removeEventListener('abort', onAbort)
          resolve('')
        })
      })
    },
  }
}
