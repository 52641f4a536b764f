import type { CheckResult } from './types.js'

/** Counts of a run's results. */
export function countResults(results: readonly CheckResult[]): { total: number; passed: number; failed: number; skipped: number } {
  const n = (o: CheckResult['outcome']) => results.filter((r) => r.outcome === o).length
  return { total: results.length, passed: n('pass'), failed: n('fail'), skipped: n('skip') }
}

const one = (s: string | undefined): string => (s ?? '').replace(/\s*\n\s*/g, ' ').trim()

/**
 * The results as a table, one line per check (failing ones also say what was expected and
 * found), then a count:
 *
 *   RESULT  CHECK                          EXPECTED   FOUND
 *   ok      service: sshd: running         true       true
 *   FAIL    file: /etc/motd: exists        true       false    goss.yaml:4
 *   3 checks: 2 passed, 1 failed, 0 skipped
 */
export function formatResultsTable(results: readonly CheckResult[], maxCell = 60): string {
  const cut = (s: string) => (s.length > maxCell ? `${s.slice(0, maxCell - 3)}...` : s)
  const rows = results.map((r) => [
    r.outcome === 'pass' ? 'ok' : r.outcome === 'skip' ? 'skip' : 'FAIL',
    cut(one(r.name)),
    cut(one(r.expected)),
    r.outcome === 'skip' ? '' : cut(one(r.actual ?? (r.message ? 'error' : ''))),
    r.where ?? '',
  ])
  const head = ['RESULT', 'CHECK', 'EXPECTED', 'FOUND', 'WHERE']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  const c = countResults(results)
  return [line(head), ...rows.map(line), `${c.total} checks: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`].join('\n')
}

/** One line per failing check: its name, expected and found values, and the check's own wording. */
export function describeFailures(results: readonly CheckResult[]): string[] {
  return results
    .filter((r) => r.outcome === 'fail')
    .map((r) => {
      const at = r.where ? ` (${r.where})` : ''
      const found = r.actual === undefined ? '' : `, found ${one(r.actual)}`
      const why = r.message && r.actual === undefined ? `: ${one(r.message)}` : ''
      return `${one(r.name)}${at}: expected ${one(r.expected)}${found}${why}`
    })
}

const xml = (s: string): string =>
  // eslint-disable-next-line no-control-regex
  s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')

/**
 * JUnit XML for CI: one `testsuite` per suite (check plugin), one `testcase` per result, a
 * `failure` with expected and found for each failing one and `skipped` for skipped ones.
 */
export function resultsToJUnit(results: readonly CheckResult[], opts: { name?: string; timestamp?: Date } = {}): string {
  const suites = new Map<string, CheckResult[]>()
  for (const r of results) {
    const s = r.suite ?? 'verify'
    if (!suites.has(s)) suites.set(s, [])
    suites.get(s)!.push(r)
  }
  const secs = (rs: readonly CheckResult[]) => (rs.reduce((t, r) => t + (r.durationMs ?? 0), 0) / 1000).toFixed(3)
  const all = countResults(results)
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(opts.name ?? 'tsimg verify')}" tests="${all.total}" failures="${all.failed}" skipped="${all.skipped}" time="${secs(results)}">`,
  ]
  for (const [name, rs] of suites) {
    const c = countResults(rs)
    out.push(
      `  <testsuite name="${xml(name)}" tests="${c.total}" failures="${c.failed}" errors="0" skipped="${c.skipped}" time="${secs(rs)}" timestamp="${(opts.timestamp ?? new Date()).toISOString()}">`,
    )
    for (const r of rs) {
      const head = `    <testcase name="${xml(one(r.name))}" classname="${xml(name)}" time="${((r.durationMs ?? 0) / 1000).toFixed(3)}"`
      if (r.outcome === 'pass') {
        out.push(`${head}/>`)
      } else if (r.outcome === 'skip') {
        out.push(`${head}>`, '      <skipped/>', '    </testcase>')
      } else {
        const msg = `expected ${one(r.expected)}${r.actual === undefined ? '' : `, found ${one(r.actual)}`}`
        out.push(
          `${head}>`,
          `      <failure message="${xml(msg)}">${xml(r.message ?? msg)}${r.where ? xml(`\n(${r.where})`) : ''}</failure>`,
          '    </testcase>',
        )
      }
    }
    out.push('  </testsuite>')
  }
  out.push('</testsuites>', '')
  return out.join('\n')
}
