import { z } from 'zod'
import { TemplateError } from '../errors.js'
import type { CommonProvisionerOptions, ValidateContext } from '../plugin/types.js'
import type { BuildInfo } from '../runner/step.js'
import { sourceBuildName } from '../template/check-plugins.js'
import { describeIssue } from '../template/schema-issue.js'
import { durationSchema, parseDuration } from '../util/duration.js'

/**
 * zod shape of Packer's common provisioner options; each provisioner's schema spreads it:
 * `z.strictObject({ ...commonProvisionerShape, inline: ... })`.
 */
export const commonProvisionerShape = {
  only: z.array(z.string().min(1)).optional(),
  except: z.array(z.string().min(1)).optional(),
  pauseBefore: durationSchema.optional(),
  maxRetries: z.number().int().nonnegative().optional(),
  timeout: durationSchema.optional(),
}

/** Milliseconds of a duration option that validation has already accepted. */
export function durationMs(value: string | number | undefined, fallbackMs = 0): number {
  if (value === undefined) return fallbackMs
  return parseDuration(value)
}

/** Go-style duration (`10s`, `1m30s`, `500ms`), as Packer prints pauses and timeouts. */
export function formatGoDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  let s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`
}

/**
 * Whether a provisioner with these only/except lists runs for this build (`web`, `docker.web`,
 * or the whole build name when a build block names it: `images.docker.web`).
 */
export function appliesTo(opts: CommonProvisionerOptions, build: Pick<BuildInfo, 'name' | 'sourceName' | 'sourceType'>): boolean {
  const own = sourceBuildName({ type: build.sourceType, name: build.sourceName })
  // A name the build's whole name ends with (`null.box` of `images.null.box`) selects it too.
  const matches = (list: readonly string[]) => list.some((n) => n === build.sourceName || n === build.name || n === own || build.name.endsWith(`.${n}`))
  if (opts.only && opts.only.length > 0 && !matches(opts.only)) return false
  if (opts.except && matches(opts.except)) return false
  return true
}

/**
 * Checks options against a provisioner's zod schema and turns the first problems into a
 * TemplateError naming the template file and the field (`provisioners[1].timeout`).
 */
export function checkSchema(schema: z.ZodType | undefined, options: unknown, ctx: ValidateContext): void {
  if (!schema) return
  const res = schema.safeParse(options)
  if (res.success) return
  const issue = res.error.issues[0]!
  const unknown = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined
  const path = unknown === undefined ? issue.path : [...issue.path, unknown]
  const field = [ctx.path, ...path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))].join('').replace(/^\./, '')
  const message = unknown === undefined ? describeIssue(issue, options) : 'unknown option'
  const more = res.error.issues.length > 1 ? ` (and ${res.error.issues.length - 1} more problem(s))` : ''
  throw new TemplateError(`${message}${more}`, { file: ctx.templateFile, field })
}

/** Checks the common options that a schema cannot: only and except together. */
export function checkCommonOptions(opts: CommonProvisionerOptions, ctx: ValidateContext): void {
  if (opts.only?.length && opts.except?.length) {
    throw new TemplateError('only one of only or except may be set', { file: ctx.templateFile, field: `${ctx.path}.only` })
  }
}

/** A TemplateError for `<path>.<field>` of the provisioner being validated. */
export function fieldError(ctx: ValidateContext, field: string, message: string, cause?: unknown): TemplateError {
  return new TemplateError(message, { file: ctx.templateFile, field: `${ctx.path}.${field}`, ...(cause === undefined ? {} : { cause }) })
}

/**
 * Exactly one of a plugin's alternative options (`source`, `sources`, `content`): none is an
 * error at the first name, more than one at the second given, each saying which were found.
 */
export function checkOneOf<K extends string>(ctx: ValidateContext, options: Readonly<Partial<Record<K, unknown>>>, names: readonly [K, K, ...K[]]): void {
  const given = names.filter((k) => options[k] !== undefined)
  const list = `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`
  if (given.length === 0) throw fieldError(ctx, names[0], `one of ${list} is required`)
  if (given.length > 1) throw fieldError(ctx, given[1]!, `only one of ${list} may be set (found ${given.join(', ')})`)
}
