/**
 * What a plugin module exports as `tsimgResources` so `tsimg cleanup` can delete what a
 * killed build left without loading the template.
 */
export interface ResourcePlugin {
  /** Delete one journaled resource. Must be idempotent: "not found" counts as deleted. */
  deleteResource(kind: string, data: Readonly<Record<string, unknown>>, ctx: ResourceContext): Promise<void>
  /**
   * Find resources tagged with one of these build ids inside a scope the journal recorded,
   * for those the journal missed (killed between create and record).
   */
  sweep?(scope: Readonly<Record<string, unknown>>, buildIds: readonly string[], ctx: ResourceContext): Promise<SweptResource[]>
}

export interface SweptResource {
  readonly description: string
  delete(): Promise<void>
}

export interface ResourceContext {
  readonly signal: AbortSignal
  /** Progress lines for the user. */
  log(text: string): void
}

/** Name of the label/tag every temporary resource carries. */
export const BUILD_ID_LABEL = 'tsimg-build-id'
