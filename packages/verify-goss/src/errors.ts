import { TemplateError } from '@tsimg/core'

/** A gossfile key, matcher, resource type or value tsimg does not interpret; names file:line and the key. */
export class GossfileError extends TemplateError {
  readonly line: number
  readonly key: string
  constructor(file: string, line: number, key: string, message: string, hint?: string) {
    super(`${key}: ${message}`, { file: `${file}:${line}`, ...(hint === undefined ? {} : { hint }) })
    this.line = line
    this.key = key
  }
}
