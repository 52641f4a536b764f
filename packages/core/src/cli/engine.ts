import type { OnError } from '../runner/wrappers.js'
import type { BuildEvent } from '../ui/events.js'
import type { Prompter } from '../ui/ui.js'
import type { RenderedBuild } from '../ui/render-common.js'
import type { Artifact } from '../plugin/types.js'

/**
 * The engine API the CLI drives (packages/core/src/build). Loaded lazily so `tsimg version`
 * and `tsimg cleanup` start fast and do not load the template machinery.
 */
export interface EngineBuildOptions {
  templateFile?: string
  vars?: Record<string, string>
  varFiles?: string[]
  only?: string[]
  except?: string[]
  force?: boolean
  onError?: OnError
  debug?: boolean
  parallelBuilds?: number
  signal?: AbortSignal
  forceSignal?: AbortSignal
  onEvent?: (event: BuildEvent) => void
  prompter?: Prompter
  stateDir?: string
  cwd?: string
}

export interface EngineBuildSummary extends RenderedBuild {
  readonly buildId: string
  readonly durationMs: number
}

export interface EngineRunResult {
  readonly runId: string
  readonly builds: readonly EngineBuildSummary[]
  readonly artifacts: readonly Artifact[]
}

export interface Engine {
  build(options: EngineBuildOptions): Promise<EngineRunResult>
  validate(options: EngineBuildOptions): Promise<unknown>
  inspect(options: EngineBuildOptions): Promise<unknown>
}

export async function loadEngine(): Promise<Engine> {
  // A computed specifier keeps this file compiling while the engine is written in parallel.
  const specifier = new URL('../build/index.js', import.meta.url).href
  return (await import(specifier)) as Engine
}
