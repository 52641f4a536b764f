import { TemplateError } from '@tsimg/core/plugin'

/** Where something is written in a Packer template: the file as shown to the user and a 1-based line. */
export interface Where {
  readonly file: string
  readonly line: number
}

/**
 * A bad or unsupported part of a Packer template: `template.json:12: builders[0].image: ...`.
 * A TemplateError, so the CLI exits 2 and nothing is created.
 */
export function packerError(at: Where, field: string, message: string, hint?: string): TemplateError {
  return new TemplateError(message, { file: `${at.file}:${at.line}`, ...(field ? { field } : {}), ...(hint ? { hint } : {}) })
}

/** Thrown by the evaluator; the loader adds the file, line and field. */
export class EvalError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly line?: number,
  ) {
    super(message)
  }
}
