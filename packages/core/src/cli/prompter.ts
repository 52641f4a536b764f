import { createInterface, type Interface } from 'node:readline'
import { CancelledError } from '../errors.js'
import { nonInteractive } from '../ui/ui.js'
import type { Prompter } from '../ui/ui.js'

/**
 * Asks on the terminal. One readline interface serves every question, so lines typed ahead
 * are not lost between questions; stdin is paused while no question is open so it never keeps
 * the process alive. Not in terminal mode: Ctrl-C stays a real SIGINT for the interrupt handler
 * instead of being swallowed by readline.
 */
class TerminalPrompter implements Prompter {
  readonly interactive = true
  #rl: Interface | undefined
  readonly #lines: string[] = []
  #waiting: ((line: string) => void) | undefined
  #ended = false

  constructor(
    private readonly input: NodeJS.ReadableStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stdout,
  ) {}

  /** A question is on the screen, its line not yet ended by the user's Enter. */
  get pending(): boolean {
    return this.#waiting !== undefined
  }

  ask(question: string, signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(new CancelledError())
    if (this.#waiting) return Promise.reject(new Error('another question is already waiting for an answer'))
    this.output.write(question.endsWith(' ') || question.endsWith('\n') ? question : `${question} `)
    const queued = this.#lines.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    if (this.#ended) return Promise.resolve('')
    const rl = this.#open()
    return new Promise<string>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiting = undefined
        rl.pause()
        reject(new CancelledError())
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.#waiting = (line) => {
        signal?.removeEventListener('abort', onAbort)
        this.#waiting = undefined
        rl.pause()
        resolve(line)
      }
      rl.resume()
    })
  }

  close(): void {
    this.#rl?.close()
    this.#rl = undefined
  }

  #open(): Interface {
    if (this.#rl) return this.#rl
    const rl = createInterface({ input: this.input, terminal: false })
    rl.on('line', (line) => {
      if (this.#waiting) this.#waiting(line)
      else this.#lines.push(line)
    })
    rl.on('close', () => {
      // stdin ended (Ctrl-D): answer with an empty line rather than hang.
      this.#ended = true
      this.#waiting?.('')
    })
    this.#rl = rl
    return rl
  }
}

/** The terminal prompter when stdin is a TTY; otherwise one that never blocks. */
export function terminalPrompter(
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Prompter & { close?(): void; readonly pending?: boolean } {
  return input.isTTY ? new TerminalPrompter(input) : nonInteractive
}
