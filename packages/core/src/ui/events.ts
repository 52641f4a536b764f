import type { Artifact } from '../plugin/types.js'
import type { Outcome } from '../runner/step.js'

/** How a line of build output is meant: a headline (`==>`), a detail, an error, or remote output. */
export type UiLevel = 'say' | 'message' | 'error' | 'stdout' | 'stderr'

/**
 * Everything a build reports, in order. The CLI renders these as Packer-like text or as
 * machine-readable lines; a library caller receives them through `onEvent`.
 */
export type BuildEvent =
  | { type: 'build-start'; build: string; buildId: string; time: number }
  | { type: 'ui'; build: string; level: UiLevel; text: string; time: number }
  | { type: 'step-start'; build: string; step: string; time: number }
  | { type: 'step-end'; build: string; step: string; error?: string; time: number }
  | { type: 'cleanup-start'; build: string; step: string; time: number }
  | { type: 'cleanup-end'; build: string; step: string; error?: string; time: number }
  | { type: 'wait-start'; build: string; text: string; time: number }
  | { type: 'wait-end'; build: string; text: string; time: number }
  | { type: 'artifact'; build: string; artifact: Artifact; time: number }
  | { type: 'build-end'; build: string; outcome: Outcome; error?: string; time: number }

export type EventSink = (event: BuildEvent) => void
