/**
 * Follows ansible-playbook's output (the default and yaml callbacks print the same headers)
 * to name the task that failed the play: the last `TASK [...]` before a `fatal:`/`failed:`
 * line that no `...ignoring` cancelled, or the first `ERROR!` when the playbook did not load.
 */
export class FailureTracker {
  #task: string | undefined
  #failedTask: string | undefined
  #unreachable = false
  #reason: string | undefined
  #error: string | undefined

  push(line: string): void {
    const task = /^(?:TASK|RUNNING HANDLER) \[(.*)\] \**$/.exec(line)
    if (task) {
      this.#task = task[1]
      return
    }
    if (/^(?:fatal|failed): \[[^\]]*\]/.test(line)) {
      this.#failedTask = this.#task
      this.#unreachable = /UNREACHABLE!/.test(line)
      this.#reason = reasonOf(line)
      return
    }
    if (line.trim() === '...ignoring' && this.#failedTask === this.#task) this.#failedTask = undefined
    else if (line.startsWith('ERROR! ') && this.#error === undefined) this.#error = line.slice('ERROR! '.length)
  }

  /** ` in task "name"` (or the loading error), for the failure message. */
  describe(): string {
    if (this.#failedTask !== undefined) {
      const why = this.#reason ? `: ${this.#reason}` : ''
      return ` in task "${this.#failedTask}"${this.#unreachable ? ' (machine unreachable)' : ''}${why}`
    }
    if (this.#error !== undefined) return `: ${this.#error}`
    return ''
  }

  get failedTask(): string | undefined {
    return this.#failedTask
  }
}

/** The `msg` of the result printed after `=>` on a failure line, shortened. */
function reasonOf(line: string): string | undefined {
  const json = /=> (\{.*\})\s*$/.exec(line)?.[1]
  if (!json) return undefined
  try {
    const msg = (JSON.parse(json) as { msg?: unknown }).msg
    if (typeof msg !== 'string' || !msg.trim()) return undefined
    const one = msg.trim().replace(/\s+/g, ' ')
    return one.length > 300 ? `${one.slice(0, 300)}...` : one
  } catch {
    return undefined
  }
}
