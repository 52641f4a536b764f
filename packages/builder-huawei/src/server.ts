import { DeleteServersRequest, ListServersDetailsRequest, ShowServerRequest } from '@huaweicloud/huaweicloud-sdk-ecs'
import { BUILD_ID_LABEL, CREATED_AT_LABEL } from '@tsimg/core/plugin'
import { isNotFound, type PollLimit, type TaggedResource } from '@tsimg/cloud-kit'
import { field, type HuaweiApi } from './api.js'

/** A server as ShowServer / ListServersDetails answer it (wire names). */
export interface ServerView {
  readonly id: string
  readonly status: string
  readonly addresses: Record<string, { addr: string; 'OS-EXT-IPS:type'?: string; 'OS-EXT-IPS:port_id'?: string }[]>
  readonly tags: string[]
  readonly created?: string
}

function view(s: unknown): ServerView {
  return {
    id: String(field(s, 'id')),
    status: String(field(s, 'status') ?? ''),
    addresses: (field(s, 'addresses') ?? {}) as ServerView['addresses'],
    tags: ((field(s, 'tags') ?? []) as unknown[]).map(String),
    ...(field(s, 'created') && { created: String(field(s, 'created')) }),
  }
}

/** One server; undefined once gone (404, or DELETED). */
export async function showServer(api: HuaweiApi, id: string, signal: AbortSignal, retryNotFound = false): Promise<ServerView | undefined> {
  try {
    const res = await api.sdk('ShowServer', (c) => c.ecs.showServer(new ShowServerRequest().withServerId(id)), {
      signal,
      ...(retryNotFound && { retry: ['not-found'], budget: { attempts: 6 } }),
    })
    const s = view(field(res, 'server'))
    return s.status === 'DELETED' ? undefined : s
  } catch (err) {
    if (!retryNotFound && isNotFound(err)) return undefined
    throw err
  }
}

/** Servers carrying the build-id tag (one build, or every tsimg build when buildIds is undefined). */
export async function serversTagged(
  api: HuaweiApi,
  buildIds: readonly string[] | undefined,
  signal: AbortSignal,
): Promise<(TaggedResource & { readonly verify: boolean })[]> {
  const out: (TaggedResource & { verify: boolean })[] = []
  for (const b of buildIds ?? [undefined]) {
    const req = new ListServersDetailsRequest().withTags(b ? `${BUILD_ID_LABEL}=${b}` : BUILD_ID_LABEL)
    const res = await api.sdk('ListServersDetails', (c) => c.ecs.listServersDetails(req), { signal })
    for (const s of ((field(res, 'servers') ?? []) as unknown[]).map(view)) {
      if (s.status === 'DELETED') continue
      const tags = new Map(s.tags.map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1)]))
      const buildId = tags.get(BUILD_ID_LABEL) ?? b
      const createdAt = tags.get(CREATED_AT_LABEL) ?? s.created
      // verify: the verify phase's server (tagged tsimg-purpose=verify), not the build's own.
      out.push({
        id: s.id,
        label: `server ${s.id}`,
        ...(buildId && { buildId }),
        ...(createdAt && { createdAt }),
        verify: tags.get('tsimg-purpose') === 'verify',
      })
    }
  }
  return out
}

/**
 * Deletes a server with its volumes and the EIP bought with it, and waits until it is gone
 * (its job, then ShowServer's 404), so its group, subnet and key pair can go after it.
 */
export function deleteServer(api: HuaweiApi, id: string, signal: AbortSignal, limit?: PollLimit): Promise<void> {
  return api.deleteUntilGone({
    action: 'DeleteServers',
    resource: `server ${id}`,
    signal,
    ...(limit && { limit }),
    send: () =>
      api.once('DeleteServers', (c) =>
        c.ecs.deleteServers(new DeleteServersRequest().withBody({ servers: [{ id }], delete_publicip: true, delete_volume: true } as never)),
      ),
    gone: async (s) => ((await showServer(api, id, s)) ? { done: false, state: 'deleting' } : { done: true, value: undefined }),
  })
}
