import type { Redactor } from '../ui/redact.js'

/**
 * Redacts an error's message and stack in place, and those of its causes (a wrapped fs or SDK
 * error often quotes the same value). Errors handed to callers never carry a secret.
 */
export function redactError(err: unknown, redactor: Redactor): Error {
  const top = err instanceof Error ? err : new Error(redactor.redact(String(err)))
  if (redactor.size === 0) return top
  for (let e: unknown = top, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    try {
      e.message = redactor.redact(e.message)
      if (e.stack) e.stack = redactor.redact(e.stack)
    } catch {
      // a frozen error: its message cannot change; callers still redact what they print
    }
  }
  return top
}
