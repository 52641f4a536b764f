import { basename } from 'node:path'
import type { GossFormat, GossFormatOption, GossResult } from './types.js'

export interface GossSummary {
  readonly total: number
  readonly failed: number
  readonly skipped: number
  readonly durationMs: number
}

export function summarize(results: readonly GossResult[]): GossSummary {
  return {
    total: results.length,
    failed: results.filter((r) => r.outcome === 'fail').length,
    skipped: results.filter((r) => r.outcome === 'skip').length,
    durationMs: results.reduce((m, r) => Math.max(m, r.durationMs), 0),
  }
}

/** goss's closing lines. */
function summaryLines(results: readonly GossResult[]): string {
  const s = summarize(results)
  return `Total Duration: ${(s.durationMs / 1000).toFixed(3)}s\nCount: ${s.total}, Failed: ${s.failed}, Skipped: ${s.skipped}\n`
}

function header(r: GossResult): string {
  let out = r.title ? `Title: ${r.title}\n` : ''
  if (r.meta)
    out +=
      'Meta:\n' +
      Object.keys(r.meta)
        .sort()
        .map((k) => `    ${k}: ${String((r.meta as Record<string, unknown>)[k])}\n`)
        .join('')
  return out
}

const sortKey = (r: GossResult) => `${r.resourceType}:${r.resourceId}`

/** Results of one resource together, in first-seen order (goss prints per resource). */
function groups(results: readonly GossResult[], sort: boolean): GossResult[][] {
  const map = new Map<string, GossResult[]>()
  for (const r of results) {
    const k = `${r.type}\u0000${r.resourceId}`
    map.set(k, [...(map.get(k) ?? []), r])
  }
  const gs = [...map.values()]
  if (sort) gs.sort((a, b) => (sortKey(a[0]!) < sortKey(b[0]!) ? -1 : sortKey(a[0]!) > sortKey(b[0]!) ? 1 : 0))
  return gs
}

function failedOrSkipped(results: readonly GossResult[]): string {
  const gs = groups(
    results.filter((r) => r.outcome !== 'pass'),
    true,
  )
  if (!gs.length) return ''
  return 'Failures/Skipped:\n\n' + gs.map((g) => header(g[0]!) + g.map((r) => r.summary + '\n').join('') + '\n').join('')
}

const compact = (r: GossResult) => r.summary.replace(/\s*\n\s*/g, ' ')

/**
 * A readable table: one row per result with where the check was written, then each
 * failure in goss's wording, then goss's count line.
 */
export function formatTable(results: readonly GossResult[]): string {
  const rows = results.map((r) => [r.outcome.toUpperCase(), r.resourceType, r.resourceId, r.property, `${basename(r.where.file)}:${r.where.line}`])
  const head = ['RESULT', 'TYPE', 'ID', 'PROPERTY', 'WHERE']
  const widths = head.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((row) => row[i]!.length))))
  const cell = (s: string, i: number) => (s.length > widths[i]! ? s.slice(0, widths[i]! - 1) + '…' : s.padEnd(widths[i]!))
  const line = (row: string[]) => row.map(cell).join('  ').trimEnd()
  let out = [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n'
  const failures = results.filter((r) => r.outcome === 'fail')
  if (failures.length) {
    out += '\nFailures:\n\n' + failures.map((r) => `${basename(r.where.file)}:${r.where.line}: ${r.summary}\n`).join('\n')
  }
  return out + '\n' + summaryLines(results)
}

function xml(s: string): string {
  return s.replace(
    /[&<>"'\r\n\t]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;', '\r': '&#xD;', '\n': '&#xA;', '\t': '&#x9;' })[c]!,
  )
}

/** JUnit XML, one testcase per result, as goss's `--format junit` writes it. */
export function toJUnit(results: readonly GossResult[], options: { timestamp?: Date } = {}): string {
  const s = summarize(results)
  const ts = (options.timestamp ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z')
  const cases = results.map((r) => {
    const name = r.title || `${r.resourceType} ${r.resourceId} ${r.property}`
    let c = `<testcase name="${xml(name)}" time="${(r.durationMs / 1000).toFixed(3)}">\n`
    if (r.outcome === 'fail') c += `<system-err>${xml(compact(r))}</system-err>\n<failure>${xml(compact(r))}</failure>\n</testcase>\n`
    else c += `${r.outcome === 'skip' ? '<skipped/>' : ''}<system-out>${xml(compact(r))}</system-out>\n</testcase>\n`
    return c
  })
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuite name="goss" errors="0" tests="${s.total}" failures="${s.failed}" skipped="${s.skipped}" time="${(s.durationMs / 1000).toFixed(3)}" timestamp="${ts}">\n` +
    cases.join('') +
    '</testsuite>\n'
  )
}

/** goss's `exclude_raw`: the untransformed value left out of failures (it is always the last part). */
function withoutRaw(r: GossResult): GossResult {
  const cut = r.summary.indexOf('\nthe raw value was\n')
  if (cut < 0) return r
  const mcut = r.message.indexOf('\nthe raw value was\n')
  return { ...r, summary: r.summary.slice(0, cut), message: mcut < 0 ? r.message : r.message.slice(0, mcut) }
}

/** goss's prometheus text format: outcome and duration counters per type (and id, with verbose), and the run's. */
function prometheus(results: readonly GossResult[], verbose: boolean): string {
  const key = (r: GossResult) =>
    verbose
      ? `outcome="${r.outcome}",resource_id="${esc(r.resourceId)}",type="${r.resourceType.toLowerCase()}"`
      : `outcome="${r.outcome}",type="${r.resourceType.toLowerCase()}"`
  const counts = new Map<string, number>()
  const durations = new Map<string, number>()
  for (const r of results) {
    counts.set(key(r), (counts.get(key(r)) ?? 0) + 1)
    durations.set(key(r), (durations.get(key(r)) ?? 0) + Math.round(r.durationMs))
  }
  let overall = 'unknown'
  results.forEach((r, i) => {
    const can = overall === 'skip' ? true : overall === 'fail' ? false : overall === 'pass' ? r.outcome !== 'skip' : r.outcome === 'fail'
    if (i === 0 || can) overall = r.outcome
  })
  const s = summarize(results)
  const family = (name: string, help: string, rows: [string, number][]) =>
    `# HELP goss_tests_${name} ${help}\n# TYPE goss_tests_${name} counter\n` +
    rows
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([l, v]) => `goss_tests_${name}{${l}} ${v}\n`)
      .join('')
  return (
    family('outcomes_duration_milliseconds', 'The duration of tests from this run. Note; tests run concurrently.', [...durations]) +
    family('outcomes_total', 'The number of test-outcomes from this run.', [...counts]) +
    family('run_duration_milliseconds', 'The end-to-end duration of this run.', [[`outcome="${overall}"`, Math.round(s.durationMs)]]) +
    family('run_outcomes_total', 'The outcomes of this run as a whole.', [[`outcome="${overall}"`, 1]])
  )
}

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')

/** goss validate's output in one of its formats (documentation is goss's default for humans, rspecish its default). */
export function formatResults(results: readonly GossResult[], format: GossFormat, options: readonly GossFormatOption[] = []): string {
  if (options.includes('exclude_raw')) results = results.map(withoutRaw)
  const sort = options.includes('sort')
  const ordered = sort ? groups(results, true).flat() : [...results]
  const s = summarize(results)
  switch (format) {
    case 'documentation': {
      let out = ''
      for (const g of groups(ordered, false)) out += header(g[0]!) + g.map((r) => r.summary + '\n').join('')
      return out + '\n\n' + failedOrSkipped(results) + summaryLines(results)
    }
    case 'rspecish':
      return (
        ordered.map((r) => (r.outcome === 'pass' ? '.' : r.outcome === 'skip' ? 'S' : 'F')).join('') + '\n\n' + failedOrSkipped(results) + summaryLines(results)
      )
    case 'tap':
      return (
        `1..${ordered.length}\n` +
        ordered.map((r, i) => `${r.outcome === 'fail' ? 'not ok' : 'ok'} ${i + 1} - ${r.outcome === 'skip' ? '# SKIP ' : ''}${compact(r)}\n`).join('')
      )
    case 'junit':
      return toJUnit(ordered)
    case 'nagios': {
      const d = (s.durationMs / 1000).toFixed(3)
      const perf = options.includes('perfdata') ? `|total=${s.total} failed=${s.failed} skipped=${s.skipped} duration=${d}s` : ''
      const verbose = options.includes('verbose')
        ? ordered
            .filter((r) => r.outcome === 'fail')
            .map((r, i) => `Fail ${i + 1} - ${compact(r)}\n`)
            .join('')
        : ''
      return `GOSS ${s.failed ? 'CRITICAL' : 'OK'} - Count: ${s.total}, Failed: ${s.failed}, Skipped: ${s.skipped}, Duration: ${d}s${perf}\n${s.failed ? verbose : ''}`
    }
    case 'json':
    case 'structured': {
      const out = {
        results: ordered.map((r) => ({
          'resource-type': r.resourceType,
          'resource-id': r.resourceId,
          property: r.property,
          title: r.title ?? '',
          meta: r.meta ?? null,
          result: r.outcome === 'pass' ? 0 : r.outcome === 'fail' ? 1 : 2,
          successful: r.outcome !== 'fail',
          skipped: r.skipped,
          expected: r.expected,
          found: r.found ?? null,
          err: r.error ?? null,
          'matcher-result': r.matcherResult
            ? {
                actual: r.matcherResult.actual ?? null,
                message: r.matcherResult.message,
                expected: r.matcherResult.expected ?? null,
                'missing-elements': r.matcherResult.missingElements ?? null,
                'extra-elements': r.matcherResult.extraElements ?? null,
                'transform-chain': r.matcherResult.transformChain ?? null,
                'untransformed-value': r.matcherResult.untransformed ?? null,
              }
            : null,
          duration: Math.round(r.durationMs * 1e6),
          'summary-line': r.summary,
          'summary-line-compact': compact(r),
          gossfile: `${r.where.file}:${r.where.line}`,
        })),
        summary: {
          'test-count': s.total,
          'failed-count': s.failed,
          'skipped-count': s.skipped,
          'total-duration': Math.round(s.durationMs * 1e6),
          'summary-line': `Count: ${s.total}, Failed: ${s.failed}, Skipped: ${s.skipped}, Duration: ${(s.durationMs / 1000).toFixed(3)}s`,
        },
      }
      return JSON.stringify(out, null, options.includes('pretty') ? 4 : undefined) + '\n'
    }
    case 'prometheus':
      return prometheus(ordered, options.includes('verbose'))
    case 'silent':
      return ''
  }
}
