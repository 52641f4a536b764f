import type { BuildEvent, EventSink, UiLevel } from './events.js'
import type { Redactor } from './redact.js'

/** Asks the person at the terminal. Non-interactive prompters never block. */
export interface Prompter {
  /** True when there is a person to answer (stdin is a TTY). */
  readonly interactive: boolean
  /** Shows the question and resolves with the answer line; rejects when the signal fires. */
  ask(question: string, signal?: AbortSignal): Promise<string>
}

export const nonInteractive: Prompter = {
  interactive: false,
  ask: async () => '',
}

/** What a step, builder or provisioner uses to talk to the user. Every line is redacted. */
export interface Ui {
  /** A headline: `==> docker.web: Starting container...` */
  say(text: string): void
  /** A detail under the last headline: `    docker.web: Container: 1a2b` */
  message(text: string): void
  error(text: string): void
  /** One line of remote command output. */
  remote(line: string, stream: 'stdout' | 'stderr'): void
  /** Marks a long wait (the CLI shows elapsed time on a TTY); call the returned function when done. */
  wait(text: string): () => void
  readonly prompter: Prompter
  readonly redactor: Redactor
  /** Low-level: the event sink, for the runner. */
  emit(event: BuildEvent): void
}

export class BuildUi implements Ui {
  constructor(
    readonly build: string,
    private readonly sink: EventSink,
    readonly prompter: Prompter,
    readonly redactor: Redactor,
  ) {}

  #line(level: UiLevel, text: string): void {
    for (const line of this.redactor.redact(text).split(/\r?\n/)) {
      this.sink({ type: 'ui', build: this.build, level, text: line, time: Date.now() })
    }
  }

  say(text: string): void {
    this.#line('say', text)
  }
  message(text: string): void {
    this.#line('message', text)
  }
  error(text: string): void {
    this.#line('error', text)
  }
  remote(line: string, stream: 'stdout' | 'stderr'): void {
    this.#line(stream, line)
  }
  wait(text: string): () => void {
    const t = this.redactor.redact(text)
    this.sink({ type: 'wait-start', build: this.build, text: t, time: Date.now() })
    let done = false
    return () => {
      if (done) return
      done = true
      this.sink({ type: 'wait-end', build: this.build, text: t, time: Date.now() })
    }
  }
  emit(event: BuildEvent): void {
    if ('error' in event && typeof event.error === 'string') {
      this.sink({ ...event, error: this.redactor.redact(event.error) } as BuildEvent)
    } else {
      this.sink(event)
    }
  }
}
