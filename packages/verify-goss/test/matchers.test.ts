// goss's matchers through `matching` checks (which need no machine) and through commands run by
// this host's sh: each matcher passes and fails where goss does, worded as goss words it.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadGossfile, runGossSuite, type GossExec, type GossResult } from '@tsimg/verify-goss'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-goss-match-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** This host's shell as the machine under test. */
const localExec: GossExec = (command, options = {}) =>
  new Promise((resolve, reject) => {
    execFile('sh', ['-c', command], { signal: options.signal }, (err, stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err)
      resolve({ stdout, stderr, exitCode: err ? (err as { code: number }).code : 0 })
    })
  })

let n = 0
async function run(yaml: string): Promise<GossResult[]> {
  const f = join(dir, `m${n++}.yaml`)
  await writeFile(f, yaml)
  return runGossSuite(await loadGossfile(f), localExec)
}

/** One matching check: content vs matches. */
async function matching(content: string, matches: string): Promise<GossResult> {
  const [r] = await run(`matching:\n  m:\n    content: ${content}\n    matches: ${matches}\n`)
  return r!
}

describe('matchers', () => {
  it('plain values: strings, numbers (with transforms) and bools compare by equality', async () => {
    expect((await matching('foo', 'foo')).outcome).toBe('pass')
    expect((await matching('"42"', '42')).outcome).toBe('pass')
    expect((await matching('42', '"42"')).outcome).toBe('pass')
    expect((await matching('true', 'true')).outcome).toBe('pass')
    const f = await matching('"128"', '{gt: 200}')
    expect(f.outcome).toBe('fail')
    expect(f.message).toBe('Expected\n    128\nto be numerically gt\n    200\nthe transform chain was\n    [{"to-numeric":{}}]\nthe raw value was\n    "128"')
    expect((await matching('foo', 'bar')).message).toBe(
      'Expected\n    "foo"\nto equal\n    "bar"\ndiff\n    --- test\n    +++ actual\n    @@ -1 +1 @@\n    -bar\n    +foo',
    )
  })

  it('numeric comparisons lt, le, gt, ge; a non-number found is an error, not a pass', async () => {
    expect((await matching('5', '{lt: 6}')).outcome).toBe('pass')
    expect((await matching('5', '{le: 5}')).outcome).toBe('pass')
    expect((await matching('5', '{ge: 6}')).outcome).toBe('fail')
    expect((await matching('5', '{gt: 4}')).outcome).toBe('pass')
    const e = await matching('abc', '{gt: 1}')
    expect(e.outcome).toBe('fail')
    expect(e.error).toContain('invalid syntax')
    expect(e.message).toMatch(/^Error\n/)
  })

  it('string matchers: have-prefix, have-suffix, match-regexp, contain-substring', async () => {
    expect((await matching('hello-world', '{have-prefix: hello}')).outcome).toBe('pass')
    expect((await matching('hello-world', '{have-suffix: world}')).outcome).toBe('pass')
    expect((await matching('hello-world', "{match-regexp: '^h.*-w'}")).outcome).toBe('pass')
    expect((await matching('hello-world', '{contain-substring: o-w}')).outcome).toBe('pass')
    // RE2 syntax: POSIX classes, \\A and \\z, named groups, leading inline flags
    expect((await matching('abc1', `{match-regexp: '\\A[[:alpha:]]+[[:digit:]]\\z'}`)).outcome).toBe('pass')
    expect((await matching('abc1x', `{match-regexp: '\\A[[:alpha:]]+[[:digit:]]\\z'}`)).outcome).toBe('fail')
    expect((await matching('ABC', `{match-regexp: '(?i)^(?P<w>abc)$'}`)).outcome).toBe('pass')
    const f = await matching('hello', '{have-prefix: x}')
    expect(f.message).toBe('Expected\n    "hello"\nto have prefix\n    "x"\ndiff\n    --- test\n    +++ actual\n    @@ -1 +1 @@\n    -x\n    +hello')
  })

  it('arrays: a plain list is contain-elements (each element once), equal is exact, consist-of ignores order', async () => {
    expect((await matching('[g1, g2, g3]', '[g1, g2]')).outcome).toBe('pass')
    const twice = await matching('[g1, g2, g3]', '[g1, g2, g2]')
    expect(twice.outcome).toBe('fail')
    expect(twice.message).toBe('Expected\n    ["g1","g2","g3"]\nto contain elements matching\n    ["g1","g2","g2"]\nthe missing elements were\n    ["g2"]')
    expect((await matching('[foo, bar, moo]', '{equal: [foo, bar, moo]}')).outcome).toBe('pass')
    expect((await matching('[foo, bar, moo]', '{equal: [bar, foo, moo]}')).outcome).toBe('fail')
    expect((await matching('[foo, bar, moo]', '{consist-of: [foo, {have-prefix: m}, bar]}')).outcome).toBe('pass')
    const extra = await matching('[foo, bar, moo]', '{consist-of: [foo, bar]}')
    expect(extra.message).toContain('the extra elements were\n    ["moo"]')
    expect((await matching('[foo, bar]', '{contain-element: {have-prefix: b}}')).outcome).toBe('pass')
    expect((await matching('[foo, bar]', '{have-len: 2}')).outcome).toBe('pass')
    expect((await matching('[foo, bar]', '{have-len: 3}')).message).toBe('Expected\n    ["foo","bar"]\nto have length\n    3')
  })

  it('maps: have-key and have-key-with-value', async () => {
    expect((await matching('{foo: bar, baz: 1}', '{have-key: baz}')).outcome).toBe('pass')
    expect((await matching('{foo: bar}', '{have-key: nope}')).outcome).toBe('fail')
    expect((await matching('{foo: bar}', '{have-key-with-value: {foo: {have-prefix: b}}}')).outcome).toBe('pass')
    expect((await matching('{foo: bar}', '{have-key-with-value: {foo: baz}}')).outcome).toBe('fail')
  })

  it('and / or / not: and reports its first failing matcher, not the negated wording', async () => {
    expect((await matching('42', '{and: [42, {gt: 40}, {lt: 45}, "42", {match-regexp: "^4"}]}')).outcome).toBe('pass')
    const a = await matching('42', '{and: [{gt: 40}, {lt: 41}]}')
    expect(a.message).toContain('to be numerically lt\n    41')
    expect((await matching('FAIL', '{or: [PASS, FAIL]}')).outcome).toBe('pass')
    expect((await matching('OK', '[{not: FAIL}]')).outcome).toBe('fail') // a string is not an array
    const not = await matching('FAIL', '{not: FAIL}')
    expect(not.outcome).toBe('fail')
    expect(not.message).toBe('Expected\n    "FAIL"\nnot to equal\n    "FAIL"')
    expect((await matching('"1.5.2"', '{semver-constraint: ">1.0.0 <2.0.0 !=1.5.0"}')).outcome).toBe('pass')
    expect((await matching('"1.5.0"', '{semver-constraint: ">1.0.0 <2.0.0 !=1.5.0"}')).outcome).toBe('fail')
    expect((await matching(`'{"a":{"b":"cow"},"n":15}'`, '{gjson: {a.b: cow, n: {le: 25}}}')).outcome).toBe('pass')
    // kubectl-style queries: the first match, and all matches
    const pods = `'{"items":[{"name":"web","phase":"Running","restarts":0},{"name":"db","phase":"Pending","restarts":3},{"name":"web-2","phase":"Running","restarts":1}]}'`
    expect(
      (
        await matching(
          pods,
          `{gjson: {'items.#(name=="db").phase': Pending, 'items.#(phase=="Running")#.name': [web, web-2], 'items.#(restarts>0)#': {have-len: 2}, 'items.#(name%"web*")#.name': {consist-of: [web, web-2]}, items.#: 3}}`,
        )
      ).outcome,
    ).toBe('pass')
    const miss = await matching(pods, `{gjson: {'items.#(name=="cache").phase': Running}}`)
    expect(miss.error).toBe('Path not found: items.#(name=="cache").phase')
  })

  it('stdout patterns line by line: text, !text, /regex/, !/regex/; an empty list asserts nothing; a string is the whole output', async () => {
    const all = await run(
      [
        'command:',
        '  pods:',
        `    exec: printf 'coredns\\nlb-tcp-443\\nlb-tcp-80\\ntraefik\\n'; echo oops >&2`,
        '    exit-status: 0',
        '    stdout: [coredns, /lb-.*-443/, /lb-.*-80/, traefik, "!string", "!/^kube-/"]',
        '    stderr: []',
      ].join('\n'),
    )
    // stderr: [] is zero conditions: goss checks nothing for it (and warns when reading the file)
    expect(all.map((r) => `${r.property}:${r.outcome}`)).toEqual(['exit-status:pass', 'stdout:pass'])

    const [, bad] = await run(
      'command:\n  pods:\n    exec: "echo string here; echo lb-x-443"\n    exit-status: 0\n    stdout: ["!string", "/lb-.*-443/", "/^lb-tcp-80$/", "\\\\!x"]\n',
    )
    expect(bad!.outcome).toBe('fail')
    expect(bad!.message).toBe(
      'Expected\n    "string here\\nlb-x-443\\n"\nto have patterns\n    ["!string","/lb-.*-443/","/^lb-tcp-80$/","\\\\!x"]\nthe missing elements were\n    ["!string","/^lb-tcp-80$/"]',
    )
    // "\\!x" is the escaped form: a plain pattern for "x" (found in lb-x-443), not an inverse one
    const [, whole] = await run('command:\n  ok:\n    exec: echo ok\n    exit-status: 0\n    stdout: "ok\\n"\n')
    expect(whole!.outcome).toBe('pass')
  })

  it('two different strings get goss\'s unified diff of expected ("test") and found ("actual"), context 1', async () => {
    const [, out] = await run('command:\n  multi:\n    exec: printf "a\\nb\\nc\\nd\\ne\\n"\n    exit-status: 0\n    stdout: "a\\nB\\nc\\nd\\ne\\n"\n')
    expect(out!.message).toBe(
      'Expected\n    "a\\nb\\nc\\nd\\ne\\n"\nto equal\n    "a\\nB\\nc\\nd\\ne\\n"\ndiff\n    --- test\n    +++ actual\n    @@ -1,3 +1,3 @@\n     a\n    -B\n    +b\n     c',
    )
  })

  it('matching with as-reader reads the content line by line, so a list is patterns', async () => {
    const [r] = await run('matching:\n  lines:\n    content: "alpha\\nbeta\\n"\n    as-reader: true\n    matches: [/^al/, beta, "!gamma"]\n')
    expect(r!.outcome).toBe('pass')
    const [bad] = await run('matching:\n  lines:\n    content: "alpha\\nbeta\\n"\n    as-reader: true\n    matches: [gamma]\n')
    expect(bad!.message).toBe('Expected\n    "alpha\\nbeta\\n"\nto have patterns\n    ["gamma"]\nthe missing elements were\n    ["gamma"]')
  })

  it("exit-status compares numerically, and a command past its timeout fails with goss's wording", async () => {
    const [st] = await run('command:\n  f:\n    exec: exit 3\n    exit-status: 0\n')
    expect(st!.message).toBe('Expected\n    3\nto be numerically eq\n    0')
    expect(st!.summary).toBe('Command: f: exit-status:\nExpected\n    3\nto be numerically eq\n    0')
    const [slow] = await run('command:\n  slow:\n    exec: sleep 5\n    exit-status: 0\n    timeout: 300\n')
    expect(slow!.outcome).toBe('fail')
    expect(slow!.error).toBe('Command execution timed out (300ms)')
  })

  it('skip: every attribute is reported skipped and nothing runs', async () => {
    const marker = join(dir, 'ran')
    const rs = await run(`command:\n  s:\n    exec: touch ${marker}\n    exit-status: 0\n    stdout: [x]\n    skip: true\n`)
    expect(rs.map((r) => r.outcome)).toEqual(['skip', 'skip'])
    expect(rs[0]!.summary).toBe('Command: s: exit-status: skipped')
    const { existsSync } = await import('node:fs')
    expect(existsSync(marker)).toBe(false)
  })

  it('a failed first attribute skips the dependent ones (file exists: false)', async () => {
    const rs = await run(`file:\n  ${join(dir, 'absent')}:\n    exists: true\n    mode: "0644"\n    contents: [x]\n`)
    expect(rs.map((r) => `${r.property}:${r.outcome}`)).toEqual(['exists:fail', 'mode:skip', 'contents:skip'])
  })

  it('retry_count re-runs a failing command until it passes', async () => {
    const counter = join(dir, 'count')
    await writeFile(counter, '')
    const rs = await run(
      `command:\n  flaky:\n    exec: echo x >> ${counter}; [ $(wc -l < ${counter}) -ge 3 ]\n    exit-status: 0\n    retry_count: 3\n    retry_delay: 1ms\n`,
    )
    expect(rs[0]!.outcome).toBe('pass')
    const { readFile } = await import('node:fs/promises')
    expect((await readFile(counter, 'utf8')).trim().split('\n')).toHaveLength(3)
  })
})
