/**
 * What the cloud builders' tests share: one build of one source through the engine's build(),
 * with everything it said and printed kept for the checks that follow (the failed step,
 * cleanups that erred, a secret that must appear nowhere), and the state directory's files.
 *
 *   const r = await runSourceBuild(huaweicloudEcs({ name: 'test', ...opts }), { stateDir, provisioners })
 *   expect(failedStep(r.events)).toBe('huaweicloud:create-server')
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ProvisionerPlugin, SourcePlugin, VerifySpec } from '@tsimg/core'
import { build, type BuildEvent, type BuildSummary, type OnError } from '@tsimg/core/node'

export interface SourceRunOptions {
  stateDir: string
  provisioners: ProvisionerPlugin<any>[]
  signal?: AbortSignal
  force?: boolean
  onEvent?: (e: BuildEvent) => void
  onLine?: (line: string) => void
  /** Bound on each step's cleanup; default 180 s, generous for a busy machine. */
  cleanupTimeoutMs?: number
  /** The template's verify phase (checks on a machine of the new image). */
  verify?: VerifySpec
  onError?: OnError
  /** `tsimg verify --image`: check this existing image with `verify`, build nothing. */
  verifyImage?: string
}

export interface SourceRunResult {
  summary: BuildSummary
  events: BuildEvent[]
  /** The build's ui lines. */
  lines: string[]
  /** Every event, the summary and whatever the process printed meanwhile (an SDK may print by itself): what a secret must never be found in. */
  text: string
}

/** Runs one build; what is written to stdout/stderr meanwhile is kept in `text`, and still printed. */
export async function runSourceBuild(source: SourcePlugin<any, any>, opts: SourceRunOptions): Promise<SourceRunResult> {
  const events: BuildEvent[] = []
  const printed: string[] = []
  const streams = [process.stdout, process.stderr] as const
  const writes = streams.map((s) => s.write)
  streams.forEach((s, i) => {
    s.write = ((chunk: unknown, ...rest: unknown[]) => {
      printed.push(String(chunk))
      return (writes[i] as (...a: unknown[]) => boolean).call(s, chunk, ...rest)
    }) as typeof s.write
  })
  let res
  try {
    res = await build({
      template: { sources: [source], provisioners: opts.provisioners, ...(opts.verify && { verify: opts.verify }) },
      ...(opts.onError && { onError: opts.onError }),
      ...(opts.verifyImage && { verifyImage: opts.verifyImage }),
      stateDir: opts.stateDir,
      typecheck: false,
      cleanupTimeoutMs: opts.cleanupTimeoutMs ?? 180_000,
      ...(opts.force ? { force: true } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onEvent: (e) => {
        events.push(e)
        opts.onEvent?.(e)
        if (e.type === 'ui') opts.onLine?.(e.text)
      },
    })
  } finally {
    streams.forEach((s, i) => (s.write = writes[i]!))
  }
  const summary = res.builds[0]!
  const json = (v: unknown) => JSON.stringify(v, (_k, x) => (x instanceof Error ? { message: x.message, stack: x.stack, cause: String(x.cause) } : x))
  return { summary, events, lines: events.flatMap((e) => (e.type === 'ui' ? [e.text] : [])), text: json(events) + json(summary) + printed.join('') }
}

/** The step whose run failed, by the engine's events. */
export const failedStep = (events: readonly BuildEvent[]): string | undefined => events.flatMap((e) => (e.type === 'step-end' && e.error ? [e.step] : []))[0]

/** Cleanups that reported an error (a resource the build could not delete): none is expected after any failure or cancel. */
export const cleanupErrors = (events: readonly BuildEvent[]): string[] =>
  events.flatMap((e) => (e.type === 'cleanup-end' && e.error ? [`${e.step}: ${e.error}`] : []))

/** The journals left in a state directory: none once a build has cleaned up. */
export const journalFiles = (stateDir: string): Promise<string[]> => readdir(join(stateDir, 'journal')).catch(() => [])

/** Every file under the state directory (journals, logs), concatenated. */
export async function stateText(dir: string): Promise<string> {
  const files = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  const texts = await Promise.all(files.filter((f) => f.isFile()).map((f) => readFile(join(f.parentPath, f.name), 'utf8').catch(() => '')))
  return texts.join('\n')
}
