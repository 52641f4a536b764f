/** Formats a date with a Go layout (`2006-01-02T15:04:05Z07:00`), as Packer's isotime does (UTC). */
export function formatGoTime(layout: string, d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
  const h = d.getUTCHours()
  const t: Record<string, string> = {
    '2006': String(d.getUTCFullYear()), '06': p(d.getUTCFullYear() % 100), January: months[d.getUTCMonth()]!, Jan: months[d.getUTCMonth()]!.slice(0, 3),
    '01': p(d.getUTCMonth() + 1), '1': String(d.getUTCMonth() + 1), Monday: days[d.getUTCDay()]!, Mon: days[d.getUTCDay()]!.slice(0, 3),
    '02': p(d.getUTCDate()), '_2': String(d.getUTCDate()).padStart(2, ' '), '2': String(d.getUTCDate()), '15': p(h), '03': p(h % 12 || 12), '3': String(h % 12 || 12),
    '04': p(d.getUTCMinutes()), '4': String(d.getUTCMinutes()), '05': p(d.getUTCSeconds()), '5': String(d.getUTCSeconds()), PM: h < 12 ? 'AM' : 'PM',
    MST: 'UTC', 'Z07:00': 'Z', '-07:00': '+00:00', '-0700': '+0000', '.000': `.${p(d.getUTCMilliseconds(), 3)}`,
  }
  return layout.replace(/2006|January|Monday|Z07:00|-07:00|-0700|\.000|Jan|Mon|MST|06|01|02|_2|15|03|04|05|PM|1|2|3|4|5/g, (m) => t[m]!)
}
