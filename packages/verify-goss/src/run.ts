import type { Communicator } from '@tsimg/core/plugin'
import { CancelledError } from '@tsimg/core/plugin'
import { MatchError, type MatcherResult, toMatcher, toReaderMatcher } from './matchers.js'
import { commandProbe } from './probes/command.js'
import { type Found, Machine } from './probes/machine.js'
import { addrProbe, dnsProbe, httpProbe, interfaceProbe, portProbe } from './probes/net.js'
import { fileProbe, groupProbe, kernelParamProbe, mountProbe, packageProbe, processProbe, serviceProbe, type Probe, userProbe } from './probes/system.js'
import { RESOURCES } from './schema.js'
import type { ExpectedAttribute, GossCheck, GossExec, GossResult, GossSuite, ResourceType, RunOptions } from './types.js'
import { goString } from './template/funcs.js'
import { failureText, pretty } from './wording.js'

const PROBES: Record<Exclude<ResourceType, 'matching'>, Probe> = {
  package: packageProbe,
  file: fileProbe,
  service: serviceProbe,
  user: userProbe,
  group: groupProbe,
  command: commandProbe,
  port: portProbe,
  process: processProbe,
  'kernel-param': kernelParamProbe,
  mount: mountProbe,
  http: httpProbe,
  addr: addrProbe,
  dns: dnsProbe,
  interface: interfaceProbe,
}

/** SSH servers allow 10 sessions per connection by default (MaxSessions); stay below it. */
const DEFAULT_CONCURRENCY = 8

/**
 * Runs every check of the suite as shell probes through `exec` (no binary uploaded), as
 * `goss validate` does: with `retryTimeoutMs`, failed passes are repeated every `sleepMs`
 * until all pass or the time is up; the last pass's results are returned.
 */
export async function runGossSuite(suite: GossSuite, exec: GossExec, options: RunOptions = {}): Promise<GossResult[]> {
  const machine = new Machine(exec, options)
  const start = Date.now()
  const sleepMs = options.sleepMs ?? 1000
  for (let attempt = 1; ; attempt++) {
    const results = await runPass(suite.checks, machine, options.maxConcurrent ?? DEFAULT_CONCURRENCY)
    const failed = results.filter((r) => r.outcome === 'fail').length
    const left = (options.retryTimeoutMs ?? 0) - (Date.now() - start)
    if (!failed || left <= 0) return results
    options.onRetry?.({ attempt, failed, elapsedMs: Date.now() - start })
    await pause(Math.min(sleepMs, left), options.signal)
    machine.resetMemo()
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError('goss checks cancelled'))
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(t)
      reject(new CancelledError('goss checks cancelled'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

async function runPass(checks: readonly GossCheck[], machine: Machine, concurrency: number): Promise<GossResult[]> {
  const out: GossResult[][] = new Array(checks.length)
  let next = 0
  let stopped = false
  const worker = async () => {
    while (!stopped && next < checks.length) {
      const i = next++
      try {
        out[i] = await runCheck(checks[i]!, machine)
      } catch (err) {
        // a lost connection or a cancel: start no further probes
        stopped = true
        throw err
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, checks.length)) }, worker))
  return out.flat()
}

async function runCheck(check: GossCheck, machine: Machine): Promise<GossResult[]> {
  if (check.skip) return check.attributes.map((a) => skipped(check, a, 0))
  const retries = (check.options.retry_count as number | undefined) ?? 0
  const delay = (check.options.retry_delay as number | undefined) ?? 0
  for (let attempt = 0; ; attempt++) {
    const started = Date.now()
    const found = check.type === 'matching' ? matchingFound(check) : await PROBES[check.type](check, machine)
    const results = validate(check, found, Date.now() - started)
    if (attempt >= retries || results.every((r) => r.outcome !== 'fail')) return results
    if (delay) await pause(delay, machine.signal)
  }
}

function matchingFound(check: GossCheck): Record<string, Found> {
  const content = check.options.content
  // goss reads it as fmt.Sprintf("%v", content), line by line
  if (check.options['as-reader']) return { matches: { value: goString(content) } }
  return { matches: { value: content } }
}

/** Compares each attribute in goss's order; after a failed (or false) first one, goss skips the rest. */
function validate(check: GossCheck, found: Record<string, Found>, durationMs: number): GossResult[] {
  const spec = RESOURCES[check.type]
  const results: GossResult[] = []
  let skipRest = false
  for (const attr of check.attributes) {
    if (skipRest) {
      results.push(skipped(check, attr, 0))
      continue
    }
    const f = found[attr.name] ?? { error: `tsimg read no ${attr.name} for ${spec.name} ${check.id}` }
    const r = compare(check, attr, f, durationMs)
    results.push(r)
    if (spec.skipDependents && results.length === 1 && (r.outcome !== 'pass' || ('value' in f && f.value === false))) skipRest = true
  }
  return results
}

function base(check: GossCheck, attr: ExpectedAttribute, durationMs: number) {
  return {
    type: check.type,
    resourceType: RESOURCES[check.type].name,
    resourceId: check.id,
    property: attr.property,
    ...(check.title !== undefined ? { title: check.title } : {}),
    ...(check.meta !== undefined ? { meta: check.meta } : {}),
    expected: pretty(attr.value, false),
    durationMs,
    where: attr.where,
  }
}

function skipped(check: GossCheck, attr: ExpectedAttribute, durationMs: number): GossResult {
  const b = base(check, attr, durationMs)
  return {
    ...b,
    outcome: 'skip',
    successful: true,
    skipped: true,
    matcherMessage: 'skipped',
    message: 'skipped',
    summary: `${b.resourceType}: ${b.resourceId}: ${b.property}: skipped`,
  }
}

function compare(check: GossCheck, attr: ExpectedAttribute, found: Found, durationMs: number): GossResult {
  const b = base(check, attr, durationMs)
  const head = `${b.resourceType}: ${b.resourceId}: ${b.property}:`
  const failed = (mr: MatcherResult | undefined, error: string | undefined): GossResult => {
    const message = failureText(mr, error, false)
    return {
      ...b,
      outcome: 'fail',
      successful: false,
      skipped: false,
      ...(mr && error === undefined ? { found: pretty(mr.actual, false), matcherResult: JSON.parse(JSON.stringify(mr)) as MatcherResult } : {}),
      matcherMessage: mr?.message ?? 'Error',
      message,
      summary: `${head}\n${message}`,
      ...(error !== undefined ? { error } : {}),
    }
  }
  if ('error' in found) return failed(undefined, found.error)
  const reader = attr.reader || (check.type === 'matching' && check.options['as-reader'] === true)
  const matcher = reader ? toReaderMatcher(attr.value) : toMatcher(attr.value)
  let ok: boolean
  try {
    ok = matcher.match(found.value)
  } catch (err) {
    if (err instanceof MatchError) return failed(undefined, err.message)
    throw err
  }
  if (!ok) return failed(matcher.failure(found.value), undefined)
  const message = `matches expectation: ${pretty(attr.value, false)}`
  return {
    ...b,
    outcome: 'pass',
    successful: true,
    skipped: false,
    found: pretty(found.value, false),
    matcherMessage: 'matches expectation',
    message,
    summary: `${head} ${message}`,
    matcherResult: { actual: found.value, message: 'matches expectation', expected: attr.value },
  }
}

/** A GossExec over core's Communicator: collects stdout and stderr lines. */
export function execOver(communicator: Communicator): GossExec {
  return async (command, options = {}) => {
    const out: string[] = []
    const err: string[] = []
    const r = await communicator.exec(command, {
      onStdout: (l) => out.push(l),
      onStderr: (l) => err.push(l),
      ...(options.signal ? { signal: options.signal } : {}),
    })
    return { stdout: out.length ? out.join('\n') + '\n' : '', stderr: err.length ? err.join('\n') + '\n' : '', exitCode: r.exitCode }
  }
}
