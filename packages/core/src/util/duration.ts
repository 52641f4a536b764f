import { z } from 'zod'
import { TsimgError } from '../errors.js'

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

const PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y

/**
 * A duration as Packer writes it (`'5m'`, `'1h30m'`, `'500ms'`, `'1.5s'`) or a number of
 * milliseconds; returns milliseconds. A bare number in a string (`'30'`) is milliseconds too.
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw invalid(value)
    return value
  }
  const s = value.trim()
  if (/^\d+$/.test(s)) return Number(s)
  if (s === '') throw invalid(value)
  let total = 0
  PART.lastIndex = 0
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex
    const m = PART.exec(s)
    if (!m || m.index !== start) throw invalid(value)
    total += Number(m[1]) * UNITS[m[2]!]!
  }
  return Math.round(total)
}

/** Whether parseDuration accepts the value. */
function isDuration(value: unknown): boolean {
  if (typeof value !== 'string' && typeof value !== 'number') return false
  try {
    parseDuration(value)
    return true
  } catch {
    return false
  }
}

/** zod schema for a duration option: `'5m'`, `'1h30m'`, `'500ms'` or milliseconds. */
export const durationSchema = z.union([
  z.number().nonnegative(),
  z.string().refine((v) => isDuration(v), { message: "expected a duration such as '30s', '5m', '1h30m' or '500ms'" }),
])

/** `1m 5s` style, for messages. */
export function formatDurationShort(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  return [h ? `${h}h` : '', m ? `${m}m` : '', sec || (!h && !m) ? `${sec}s` : ''].filter(Boolean).join(' ')
}

function invalid(value: unknown): TsimgError {
  return new TsimgError(
    'INVALID_DURATION',
    `Invalid duration ${JSON.stringify(value)}: expected e.g. '30s', '5m', '1h30m', '500ms' or a number of milliseconds`,
  )
}
