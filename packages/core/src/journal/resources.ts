/**
 * The module that deletes a journaled resource, as a package name (`@tsimg/builder-aws`).
 * A literal type, not any string: a journal entry names its plugin through the plugin's own
 * constant (`awsResources.id`), so the name written and the module loaded at cleanup cannot drift.
 */
export type PluginId = `@${string}/${string}` | `tsimg-${string}`

/** Checks a plugin id at runtime (journals are read back from disk). */
export function isPluginId(name: unknown): name is PluginId {
  return typeof name === 'string' && /^(@[a-z0-9][\w.-]*\/[\w.-]+|tsimg-[\w.-]+)$/.test(name)
}

/** Declares a plugin's identity once; use the returned constant everywhere (journal, scopes). */
export function pluginId<const N extends PluginId>(name: N): N {
  if (!isPluginId(name)) throw new TypeError(`not a plugin package name: ${name}`)
  return name
}

/** Whether the credentials at hand reach the account a resource was recorded in. */
export type AccountCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string }

/**
 * What a plugin module exports as `tsimgResources` so `tsimg cleanup` can delete what a
 * killed build left without loading the template.
 */
export interface ResourcePlugin {
  /** The module's own id; when set, `tsimg cleanup` refuses a module whose id differs from the journal's. */
  readonly id?: PluginId
  /**
   * Delete one journaled resource. Must be idempotent: "not found" counts as deleted, which is
   * only true in the right account: see checkAccount. An entry still `pending` (its create may
   * have landed unanswered) has no id yet: the plugin looks it up by the recorded name or token.
   */
  deleteResource(kind: string, data: Readonly<Record<string, unknown>>, ctx: ResourceContext): Promise<void>
  /**
   * Find resources tagged with one of these build ids inside a scope the journal recorded,
   * for those the journal missed (killed between create and record).
   */
  sweep?(scope: Readonly<Record<string, unknown>>, buildIds: readonly string[], ctx: ResourceContext): Promise<SweptResource[]>
  /**
   * Called before anything recorded in `data` (a resource's or a scope's) is deleted or
   * swept: compares the account the build recorded with the one the current credentials
   * reach. Not ok (or unknown) means cleanup deletes nothing there and keeps the journal.
   */
  checkAccount?(data: Readonly<Record<string, unknown>>, ctx: ResourceContext): Promise<AccountCheck>
  /**
   * `tsimg cleanup --sweep`: every resource tsimg tagged in a place (region, endpoint...),
   * whatever its build id, journal or not. Cleanup filters by age and asks before deleting.
   */
  sweepAll?(target: SweepTarget, ctx: ResourceContext): Promise<SweptResource[]>
}

/** Where `tsimg cleanup --sweep` looks: what the user gave on the command line. */
export interface SweepTarget {
  readonly region?: string
  readonly endpoint?: string
  readonly profile?: string
  /** The account / project the user expects; a mismatch stops the sweep. */
  readonly account?: string
}

export interface SweptResource {
  readonly description: string
  /** The tsimg build id it is tagged with. */
  readonly buildId?: string
  /** When it was made (ISO 8601), for `--older-than`; unknown ages never pass an age filter. */
  readonly createdAt?: string
  delete(): Promise<void>
}

export interface ResourceContext {
  readonly signal: AbortSignal
  /** Progress lines for the user. */
  log(text: string): void
}

/** Name of the label/tag every temporary resource carries. */
export const BUILD_ID_LABEL = 'tsimg-build-id'
/** Tag with the creation time (ISO 8601) where the API does not tell (security groups). */
export const CREATED_AT_LABEL = 'tsimg-created-at'
/** Tag a build's kept artifact gets before its build-id tag is removed: sweeps leave it alone. */
export const KEPT_LABEL = 'tsimg-kept'

/**
 * A `tsimgResources` that loads the real one (and the cloud SDK behind it) only when cleanup
 * calls it, so a package's main module can export it without making every `validate` of a
 * template that imports the package pay for the SDK.
 */
export function lazyResourcePlugin(id: PluginId, load: () => Promise<ResourcePlugin>): ResourcePlugin {
  let loaded: Promise<ResourcePlugin> | undefined
  const real = () => (loaded ??= load())
  return {
    id,
    deleteResource: async (kind, data, ctx) => (await real()).deleteResource(kind, data, ctx),
    sweep: async (scope, buildIds, ctx) => {
      const r = await real()
      return r.sweep ? r.sweep(scope, buildIds, ctx) : []
    },
    checkAccount: async (data, ctx) => {
      const r = await real()
      // No check in the real plugin means what it means without the wrapper: nothing to vouch for.
      return r.checkAccount ? r.checkAccount(data, ctx) : { ok: true }
    },
    sweepAll: async (target, ctx) => {
      const r = await real()
      return r.sweepAll ? r.sweepAll(target, ctx) : []
    },
  }
}
