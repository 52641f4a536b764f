/**
 * The engine API the CLI drives. Loaded lazily so `tsimg version` and `tsimg cleanup` start
 * fast and never load the template machinery (TypeScript, jiti).
 */
export type Engine = typeof import('../build/index.js')
export type { BuildOptions, BuildRunResult, TemplateInfo } from '../build/index.js'

export function loadEngine(): Promise<Engine> {
  return import('../build/index.js')
}
