import { CancelledError, TemplateError, TsimgError, errorMessage } from '../errors.js'
import { redactStack } from '../ui/render-log.js'

export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_BAD_INPUT = 2
export const EXIT_CANCELLED = 130

export function exitCodeFor(err: unknown): number {
  if (err instanceof TemplateError) return EXIT_BAD_INPUT
  if (err instanceof CancelledError) return EXIT_CANCELLED
  return EXIT_FAILED
}

/**
 * One line for the user: `Error: image.ts: variables.apiToken: required variable not set (hint)`.
 * The stack (frames only, see redactStack) follows only with TSIMG_LOG=1.
 */
export function formatError(err: unknown, withStack = false): string {
  let text = `Error: ${errorMessage(err)}`
  const hint = err instanceof TsimgError ? err.hint : undefined
  if (hint && !text.includes(hint)) text += ` (${hint.replace(/\.$/, '')})`
  if (withStack) text += `\n${redactStack(err).split('\n').slice(1).join('\n')}`
  return text + '\n'
}

export function logEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.TSIMG_LOG
  return Boolean(v) && v !== '0' && v?.toLowerCase() !== 'false'
}
