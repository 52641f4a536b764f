import { currentRun } from './helpers.js'

/**
 * Packer's date functions for image.ts. Both default to the run's time, `timestamp()`: Packer
 * takes one time when the build starts and every `{{isotime}}`, `timestamp()` and `formatdate`
 * of it gives that time, so names made from it agree across the template.
 */

/** A time given as a Date, RFC 3339 text, or Unix seconds; none means the run's time. */
export type TimeInput = Date | string | number

function toDate(time: TimeInput | undefined): Date {
  const d = time === undefined ? new Date(currentRun().timestamp * 1000) : typeof time === 'number' ? new Date(time * 1000) : new Date(time)
  if (Number.isNaN(d.getTime())) throw new Error(`the time ${JSON.stringify(time)} is not an RFC 3339 timestamp`)
  return d
}

/**
 * Packer's JSON `{{isotime "2006-01-02"}}`: the time in a Go layout (reference time
 * Mon Jan 2 15:04:05 MST 2006), in UTC as Packer gives it.
 *
 *   amiName: `web-${isotime('2006-01-02-1504')}`
 */
export function isotime(layout = '2006-01-02T15:04:05Z07:00', time?: TimeInput): string {
  return formatGoTime(layout, toDate(time))
}

/**
 * HCL's `formatdate("YYYYMMDD-hhmmss", timestamp())`: YYYY, YY, MMM, MM, M, DD, D, EEE, hh, h,
 * mm, m, ss, s, ZZZ, Z and 'quoted literals', in UTC. `formatdate("YYYY-MM-DD'T'hh:mm:ssZ")`
 * is HCL's `timestamp()` text.
 */
export function formatdate(format: string, time?: TimeInput): string {
  return formatHclDate(format, toDate(time))
}

/** A date in a Go layout (`2006-01-02T15:04:05Z07:00`), in UTC. */
export function formatGoTime(layout: string, d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
  const h = d.getUTCHours()
  const t: Record<string, string> = {
    '2006': String(d.getUTCFullYear()),
    '06': p(d.getUTCFullYear() % 100),
    January: months[d.getUTCMonth()]!,
    Jan: months[d.getUTCMonth()]!.slice(0, 3),
    '01': p(d.getUTCMonth() + 1),
    '1': String(d.getUTCMonth() + 1),
    Monday: days[d.getUTCDay()]!,
    Mon: days[d.getUTCDay()]!.slice(0, 3),
    '02': p(d.getUTCDate()),
    _2: String(d.getUTCDate()).padStart(2, ' '),
    '2': String(d.getUTCDate()),
    '15': p(h),
    '03': p(h % 12 || 12),
    '3': String(h % 12 || 12),
    '04': p(d.getUTCMinutes()),
    '4': String(d.getUTCMinutes()),
    '05': p(d.getUTCSeconds()),
    '5': String(d.getUTCSeconds()),
    PM: h < 12 ? 'AM' : 'PM',
    MST: 'UTC',
    'Z07:00': 'Z',
    '-07:00': '+00:00',
    '-0700': '+0000',
    '.000': `.${p(d.getUTCMilliseconds(), 3)}`,
  }
  return layout.replace(/2006|January|Monday|Z07:00|-07:00|-0700|\.000|Jan|Mon|MST|06|01|02|_2|15|03|04|05|PM|1|2|3|4|5/g, (m) => t[m]!)
}

/** A date in HCL's formatdate spec, in UTC. */
export function formatHclDate(format: string, d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const tokens: Record<string, string> = {
    YYYY: String(d.getUTCFullYear()),
    YY: p(d.getUTCFullYear() % 100),
    MMM: d.toUTCString().slice(8, 11),
    MM: p(d.getUTCMonth() + 1),
    M: String(d.getUTCMonth() + 1),
    DD: p(d.getUTCDate()),
    D: String(d.getUTCDate()),
    EEE: d.toUTCString().slice(0, 3),
    hh: p(d.getUTCHours()),
    h: String(d.getUTCHours()),
    mm: p(d.getUTCMinutes()),
    m: String(d.getUTCMinutes()),
    ss: p(d.getUTCSeconds()),
    s: String(d.getUTCSeconds()),
    ZZZ: 'UTC',
    Z: 'Z',
  }
  return format.replace(/'([^']*)'|YYYY|YY|MMM|MM|M|DD|D|EEE|hh|h|mm|m|ss|s|ZZZ|Z/g, (m, lit: string | undefined) => (lit !== undefined ? lit : tokens[m]!))
}
