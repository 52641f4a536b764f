/**
 * Errors with a stable `code` and a message that says what to do.
 * The CLI maps them to exit codes: TemplateError -> 2, CancelledError -> 130, others -> 1.
 */
export class TsimgError extends Error {
  readonly code: string
  readonly hint?: string
  constructor(code: string, message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    if (options?.hint !== undefined) this.hint = options.hint
  }
}

/** Bad input: a template, variable, option or file that is wrong. Raised before anything is created. */
export class TemplateError extends TsimgError {
  readonly file?: string
  readonly field?: string
  constructor(message: string, options?: { file?: string; field?: string; cause?: unknown; hint?: string }) {
    const where = [options?.file, options?.field].filter(Boolean).join(': ')
    super('TEMPLATE_INVALID', where ? `${where}: ${message}` : message, options)
    if (options?.file !== undefined) this.file = options.file
    if (options?.field !== undefined) this.field = options.field
  }
}

/** The build was cancelled (Ctrl-C, SIGTERM, or the caller's AbortSignal). */
export class CancelledError extends TsimgError {
  constructor(message = 'Build was cancelled') {
    super('CANCELLED', message)
  }
}

/** A step asked the runner to stop without running cleanups (`--on-error=abort`). */
export class HaltWithoutCleanupError extends TsimgError {
  /**
   * @param original the error that failed the step
   * @param runErrorCleanup run the steps' `onHalt` hooks (the error-cleanup provisioner) first
   */
  constructor(
    readonly original: unknown,
    readonly runErrorCleanup = false,
  ) {
    super('HALT_WITHOUT_CLEANUP', `Build aborted without cleanup: ${errorMessage(original)}`, { cause: original })
  }
}

/** The SSH connection dropped while a command ran (as opposed to the command failing). */
export class DisconnectedError extends TsimgError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DISCONNECTED', message, options)
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}

export function isCancel(err: unknown, signal?: AbortSignal): boolean {
  if (err instanceof CancelledError) return true
  if (signal?.aborted) return true
  return err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'ABORT_ERR')
}
