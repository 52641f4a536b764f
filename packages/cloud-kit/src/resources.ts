import { TsimgError } from '@tsimg/core/plugin'
import type { AccountCheck, PluginId, ResourceContext, ResourcePlugin, SweepTarget, SweptResource } from '@tsimg/core/plugin'

/**
 * Where a build's resources live, as journaled with every entry and scope: enough to reach
 * them again, and to tell whether cleanup's credentials reach the same account. Never secrets.
 */
export interface CloudScope {
  readonly region: string
  readonly endpoint?: string
  /** The account / project id the build's credentials reached. */
  readonly account?: string
  /** The named profile the build used, if any (a name, never its keys). */
  readonly profile?: string
}

/** A resource found by its tags. */
export interface TaggedResource {
  readonly id: string
  /** `instance i-0abc`. */
  readonly label: string
  readonly buildId?: string
  /** ISO 8601, from the API or the creation tag. */
  readonly createdAt?: string
  /** Tagged as a kept artifact: never swept. */
  readonly kept?: boolean
}

/** One kind of temporary resource, as cleanup sees it. */
export interface CloudKind {
  readonly kind: string
  /** Resources of this kind tagged with one of these build ids (every tsimg build id when undefined). */
  list(buildIds: readonly string[] | undefined, signal: AbortSignal): Promise<TaggedResource[]>
  /** Deletes it (and waits until gone where the next kind depends on it); not-found is done. */
  delete(id: string, signal: AbortSignal): Promise<void>
  /**
   * For an entry still pending: the id of what a create with this token made, if anything.
   * `data` is the whole journaled entry data (name, buildId...).
   */
  find?(token: string, signal: AbortSignal, data?: Readonly<Record<string, unknown>>): Promise<string | undefined>
}

/** A cloud's API as cleanup uses it, for one scope; credentials from the environment. */
export interface CloudConnection {
  /** The account / project id these credentials reach. */
  account(signal: AbortSignal): Promise<string>
  /** Kinds in deletion order: instances before the groups and key pairs they use. */
  readonly kinds: readonly CloudKind[]
  close(): void
}

/** What cleanup found when it looked for credentials: each place it read, and whether it found any. */
export interface CredentialsReport {
  readonly usable: boolean
  /**
   * Every place read, in order, each saying what it found: `AWS_ACCESS_KEY_ID and
   * AWS_SECRET_ACCESS_KEY: not set`, `profile 'default' in ~/.aws/credentials: no such file`.
   */
  readonly read: readonly string[]
  /** What to do: `Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE`. */
  readonly hint: string
}

export interface CloudResourcesSpec {
  readonly id: PluginId
  /** `AWS`, for messages. */
  readonly cloud: string
  connect(scope: CloudScope): CloudConnection
  /**
   * Looks for credentials before anything is called, so cleanup without them says at once
   * which variables, profile or files it read and what was missing, instead of an SDK's
   * "could not load credentials" or a minute of retries.
   */
  credentials?(scope: CloudScope): Promise<CredentialsReport>
}

/** Cleanup's credentials are missing: names every place read. */
export class MissingCredentialsError extends TsimgError {
  constructor(cloud: string, report: CredentialsReport) {
    super('CLOUD_NO_CREDENTIALS', `no usable ${cloud} credentials; tsimg read: ${report.read.join('; ')}`, { hint: report.hint })
  }
}

/** Reads a journaled scope back (it comes from a JSON file). */
function scopeFrom(data: Readonly<Record<string, unknown>>): CloudScope {
  const str = (k: string) => (typeof data[k] === 'string' && data[k] !== '' ? (data[k] as string) : undefined)
  const region = str('region')
  if (!region) throw new Error('the journal entry has no region')
  const endpoint = str('endpoint')
  const account = str('account')
  const profile = str('profile')
  return { region, ...(endpoint && { endpoint }), ...(account && { account }), ...(profile && { profile }) }
}

/** Journal data for a scope (drops what is unset). */
export function scopeData(scope: CloudScope): Record<string, string> {
  return Object.fromEntries(Object.entries(scope).filter(([, v]) => typeof v === 'string' && v !== '')) as Record<string, string>
}

/**
 * A cloud builder's `tsimgResources`: how `tsimg cleanup` deletes by journal entry, sweeps by
 * build-id tag, and refuses to count "not found" as deleted in an account it cannot vouch for.
 */
export function cloudResources(spec: CloudResourcesSpec): ResourcePlugin {
  // Read each time (the environment may change between cleanups of one process); core's
  // account check runs once per recorded place, so a cleanup of many entries says it once.
  const ensureCredentials = async (scope: CloudScope): Promise<void> => {
    const report = await spec.credentials?.(scope)
    if (report && !report.usable) throw new MissingCredentialsError(spec.cloud, report)
  }
  const connect = async (scope: CloudScope): Promise<CloudConnection> => {
    await ensureCredentials(scope)
    return spec.connect(scope)
  }
  const withConnection = async <T>(scope: CloudScope, fn: (c: CloudConnection) => Promise<T>): Promise<T> => {
    const c = await connect(scope)
    try {
      return await fn(c)
    } finally {
      c.close()
    }
  }
  const kindOf = (c: CloudConnection, kind: string): CloudKind => {
    const k = c.kinds.find((x) => x.kind === kind)
    if (!k) throw new Error(`${spec.id} does not know how to delete a resource of kind '${kind}'`)
    return k
  }
  const swept = (c: CloudConnection, found: { k: CloudKind; r: TaggedResource }[], signal: AbortSignal, where: string): SweptResource[] =>
    found.map(({ k, r }) => ({
      description: `${r.label} (${where})`,
      ...(r.buildId && { buildId: r.buildId }),
      ...(r.createdAt && { createdAt: r.createdAt }),
      delete: () => k.delete(r.id, signal),
    }))
  const listAll = async (c: CloudConnection, buildIds: readonly string[] | undefined, signal: AbortSignal) => {
    const found: { k: CloudKind; r: TaggedResource }[] = []
    for (const k of c.kinds) for (const r of await k.list(buildIds, signal)) if (!r.kept) found.push({ k, r })
    return found
  }

  return {
    id: spec.id,

    async checkAccount(data, ctx): Promise<AccountCheck> {
      const scope = scopeFrom(data)
      if (!scope.account) return { ok: false, reason: `the journal does not say which ${spec.cloud} account the build used` }
      try {
        await ensureCredentials(scope)
      } catch (err) {
        if (err instanceof MissingCredentialsError) return { ok: false, reason: `${err.message}. ${err.hint ?? ''}`.trim() }
        throw err
      }
      const now = await withConnection(scope, (c) => c.account(ctx.signal))
      if (now === scope.account) return { ok: true }
      const profile = scope.profile ? ` (the build used profile '${scope.profile}')` : ''
      return {
        ok: false,
        reason: `the build used ${spec.cloud} account ${scope.account}${profile}, but these credentials reach account ${now}; run tsimg cleanup with the build's credentials`,
      }
    },

    async deleteResource(kind, data, ctx: ResourceContext) {
      const scope = scopeFrom(data)
      await withConnection(scope, async (c) => {
        const k = kindOf(c, kind)
        let id = typeof data.id === 'string' ? data.id : undefined
        // A pending entry: its create may have landed unanswered; look for it by its token.
        if (!id && typeof data.token === 'string' && k.find) id = await k.find(data.token, ctx.signal, data)
        if (!id) return ctx.log(`nothing was made by that ${kind} create`)
        await k.delete(id, ctx.signal)
      })
    },

    async sweep(data, buildIds, ctx) {
      const scope = scopeFrom(data)
      const c = await connect(scope)
      // Not closed here: the returned deletes use it. Cleanup runs them at once, and the SDKs'
      // idle sockets do not keep the process alive.
      return swept(c, await listAll(c, buildIds, ctx.signal), ctx.signal, scope.region)
    },

    async sweepAll(target: SweepTarget, ctx) {
      if (!target.region) throw new Error(`${spec.cloud}: --region is required for a sweep`)
      const scope: CloudScope = {
        region: target.region,
        ...(target.endpoint && { endpoint: target.endpoint }),
        ...(target.profile && { profile: target.profile }),
      }
      const c = await connect(scope)
      const account = await c.account(ctx.signal)
      if (target.account && target.account !== account) {
        c.close()
        throw new Error(`these credentials reach ${spec.cloud} account ${account}, not ${target.account}; nothing was searched`)
      }
      ctx.log(`Searching ${spec.cloud} account ${account}, ${target.region}${target.endpoint ? ` at ${target.endpoint}` : ''}...`)
      return swept(c, await listAll(c, undefined, ctx.signal), ctx.signal, `${account}, ${target.region}`)
    },
  }
}
