import { TemplateError } from '@tsimg/core/plugin'

/** A gossfile key, matcher, resource type or value tsimg does not interpret; names file:line and the key. */
export class GossfileError extends TemplateError {
  /** The gossfile (or vars file), without the line. */
  readonly path: string
  readonly line: number
  readonly key: string
  constructor(file: string, line: number, key: string, message: string, hint?: string) {
    super(message, { file: line > 0 ? `${file}:${line}` : file, field: key, ...(hint === undefined ? {} : { hint }) })
    this.path = file
    this.line = line
    this.key = key
  }
}
