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

/** A readable table: one row per result (type, id, property, outcome), then each failure's wording. */
export function formatTable(results: readonly GossResult[]): string {
  void results
  throw new Error('formatTable: not implemented yet')
}

/** JUnit XML, one testcase per result, as goss's `--format junit`. */
export function toJUnit(results: readonly GossResult[]): string {
  void results
  throw new Error('toJUnit: not implemented yet')
}

/** goss validate's output in one of its formats. */
export function formatResults(results: readonly GossResult[], format: GossFormat, options: readonly GossFormatOption[] = []): string {
  void results, format, options
  throw new Error('formatResults: not implemented yet')
}
