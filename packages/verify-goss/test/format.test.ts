// Results as people and CI read them: the table with where each check was written, JUnit XML,
// and goss's own output formats (documentation, rspecish, tap, nagios, json).
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatResults, formatTable, loadGossfile, runGossSuite, summarize, toJUnit, type GossResult } from '@tsimg/verify-goss'

let dir: string
let results: GossResult[]
const noMachine = () => Promise.reject(new Error('matching checks need no machine'))

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-goss-format-'))
  const f = join(dir, 'checks.yaml')
  await writeFile(
    f,
    [
      'matching:',
      '  cpus:',
      '    title: enough <cores> & "threads"',
      '    content: 1',
      '    matches:',
      '      gt: 1',
      '  name:',
      '    content: web-1',
      '    matches:',
      '      have-prefix: web',
      '  later:',
      '    content: x',
      '    matches: x',
      '    skip: true',
    ].join('\n'),
  )
  results = await runGossSuite(await loadGossfile(f), noMachine)
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('formats', () => {
  it('counts as goss does', () => {
    expect(summarize(results)).toMatchObject({ total: 3, failed: 1, skipped: 1 })
  })

  it('the table has one row per result with file:line, then each failure in goss wording and the count line', () => {
    const t = formatTable(results)
    const lines = t.split('\n')
    expect(lines[0]).toMatch(/^RESULT\s+TYPE\s+ID\s+PROPERTY\s+WHERE$/)
    expect(lines[2]).toMatch(/^FAIL\s+Matching\s+cpus\s+matches\s+checks\.yaml:5$/)
    expect(lines[3]).toMatch(/^PASS\s+Matching\s+name\s+matches\s+checks\.yaml:9$/)
    expect(lines[4]).toMatch(/^SKIP\s+Matching\s+later\s+matches\s+checks\.yaml:13$/)
    expect(t).toContain('checks.yaml:5: Matching: cpus: matches:\nExpected\n    1\nto be numerically gt\n    1\n')
    expect(t).toMatch(/Count: 3, Failed: 1, Skipped: 1\n$/)
  })

  it("JUnit XML: a testsuite with counts, one testcase per result, the failure in goss's compact wording, text escaped", () => {
    const x = toJUnit(results, { timestamp: new Date('2026-01-02T03:04:05Z') })
    expect(x.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="goss" errors="0" tests="3" failures="1" skipped="1" ')).toBe(true)
    expect(x).toContain('timestamp="2026-01-02T03:04:05Z"')
    expect(x).toContain('<testcase name="enough &lt;cores&gt; &amp; &#34;threads&#34;" time=')
    expect(x).toContain('<failure>Matching: cpus: matches: Expected 1 to be numerically gt 1</failure>')
    expect(x).toContain('<testcase name="Matching name matches"')
    expect(x).toMatch(/<skipped\/><system-out>Matching: later: matches: skipped<\/system-out>/)
    expect(x.match(/<testcase /g)).toHaveLength(3)
    expect(x.match(/<\/testcase>/g)).toHaveLength(3)
    expect(x.trimEnd().endsWith('</testsuite>')).toBe(true)
  })

  it('the JUnit XML parses with an independent XML parser (python3 ElementTree) to the same counts and failure text', async () => {
    const script =
      'import sys,json,xml.etree.ElementTree as E\nr=E.fromstring(sys.stdin.read())\nprint(json.dumps({"tests":r.get("tests"),"failures":r.get("failures"),"names":[c.get("name") for c in r.iter("testcase")],"failure":[f.text for f in r.iter("failure")]}))'
    const out = await new Promise<string>((resolve, reject) => {
      const p = execFile('python3', ['-c', script], (err, stdout) => (err ? reject(err) : resolve(stdout)))
      p.stdin!.end(toJUnit(results))
    })
    expect(JSON.parse(out)).toEqual({
      tests: '3',
      failures: '1',
      names: ['enough <cores> & "threads"', 'Matching name matches', 'Matching later matches'],
      failure: ['Matching: cpus: matches: Expected 1 to be numerically gt 1'],
    })
  })

  it('documentation, rspecish, tap, nagios and json as goss writes them', () => {
    const doc = formatResults(results, 'documentation')
    expect(doc).toContain('Matching: name: matches: matches expectation: {"have-prefix":"web"}\n')
    expect(doc).toContain('Failures/Skipped:\n\nTitle: enough <cores> & "threads"\nMatching: cpus: matches:\nExpected')
    expect(formatResults(results, 'rspecish').startsWith('F.S\n\n')).toBe(true)
    const tap = formatResults(results, 'tap')
    expect(tap.split('\n').slice(0, 4)).toEqual([
      '1..3',
      'not ok 1 - Matching: cpus: matches: Expected 1 to be numerically gt 1',
      'ok 2 - Matching: name: matches: matches expectation: {"have-prefix":"web"}',
      'ok 3 - # SKIP Matching: later: matches: skipped',
    ])
    expect(formatResults(results, 'nagios', ['perfdata'])).toMatch(
      /^GOSS CRITICAL - Count: 3, Failed: 1, Skipped: 1, Duration: [\d.]+s\|total=3 failed=1 skipped=1 duration=[\d.]+s\n$/,
    )
    const j = JSON.parse(formatResults(results, 'json')) as { results: { successful: boolean; 'resource-id': string }[]; summary: Record<string, unknown> }
    expect(j.results.map((r) => [r['resource-id'], r.successful])).toEqual([
      ['cpus', false],
      ['name', true],
      ['later', true],
    ])
    expect(j.summary).toMatchObject({ 'test-count': 3, 'failed-count': 1, 'skipped-count': 1 })
    expect((j.results[0] as unknown as Record<string, unknown>)['matcher-result']).toMatchObject({ actual: 1, message: 'to be numerically gt', expected: 1 })
    expect(formatResults(results, 'silent')).toBe('')
  })

  it("prometheus counters per type and outcome (per id with verbose) and the run's outcome", () => {
    const p = formatResults(results, 'prometheus')
    expect(p).toContain('# TYPE goss_tests_outcomes_total counter\n')
    expect(p).toContain('goss_tests_outcomes_total{outcome="fail",type="matching"} 1\n')
    expect(p).toContain('goss_tests_outcomes_total{outcome="pass",type="matching"} 1\n')
    expect(p).toContain('goss_tests_outcomes_total{outcome="skip",type="matching"} 1\n')
    expect(p).toContain('goss_tests_run_outcomes_total{outcome="fail"} 1\n')
    expect(formatResults(results, 'prometheus', ['verbose'])).toContain('goss_tests_outcomes_total{outcome="pass",resource_id="name",type="matching"} 1\n')
  })

  it('exclude_raw leaves the untransformed value out of a failure', async () => {
    const f = join(dir, 'raw.yaml')
    await writeFile(f, 'matching:\n  somaxconn:\n    content: "128"\n    matches: {gt: 200}\n')
    const rs = await runGossSuite(await loadGossfile(f), noMachine)
    expect(formatResults(rs, 'documentation')).toContain('the transform chain was\n    [{"to-numeric":{}}]\nthe raw value was\n    "128"\n')
    const doc = formatResults(rs, 'documentation', ['exclude_raw'])
    expect(doc).toContain('to be numerically gt\n    200\nthe transform chain was\n    [{"to-numeric":{}}]\n')
    expect(doc).not.toContain('the raw value was')
  })
})
