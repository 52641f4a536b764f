import { createKeyPair, deleteKeyPair, getKeyPair, importKeyPair, keyPairsIn } from '../backend/keys.js'
import type { KeyPair } from '../backend/types.js'
import { HuaweiError } from './errors.js'
import { answer, type Route } from './routes.js'

/** The Nova (v2.1) shape of a key pair; the private key only when the cloud generated it. */
function renderKey(k: KeyPair, userId: string, privateKey?: string): Record<string, unknown> {
  return {
    name: k.name,
    fingerprint: k.fingerprint,
    public_key: k.publicKey,
    type: 'ssh',
    user_id: userId,
    ...(privateKey ? { private_key: privateKey } : {}),
  }
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/

/**
 * Nova numbers key pairs with an integer (its database id; int32 in Huawei's SDK models, which
 * refuse a string there): one counter per backend, a key keeps its number while it exists.
 */
const novaIds = new WeakMap<object, { next: number; ids: Map<string, number> }>()
function novaId(cloud: object, k: KeyPair): number {
  let table = novaIds.get(cloud)
  if (!table) novaIds.set(cloud, (table = { next: 1, ids: new Map() }))
  let id = table.ids.get(k.id)
  if (id === undefined) table.ids.set(k.id, (id = table.next++))
  return id
}

/**
 * ECS's OpenStack-compatible v2.1 API: availability zones and key pairs. Errors take Nova's
 * `{"itemNotFound":{...}}` shape, of which the SDK keeps only the HTTP status.
 */
export const novaRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v2.1/{project_id}/os-availability-zone',
    action: 'NovaListAvailabilityZones',
    service: 'nova',
    handler: ({ cloud, region }) => ({
      availabilityZoneInfo: cloud.region(region).zones.map((zoneName) => ({ zoneName, zoneState: { available: true }, hosts: null })),
    }),
  },
  {
    method: 'POST',
    path: '/v2.1/{project_id}/os-keypairs',
    action: 'NovaCreateKeypair',
    service: 'nova',
    handler: ({ cloud, region, projectId }, { body }) => {
      const spec = (body.keypair ?? {}) as { name?: string; public_key?: string; type?: string }
      if (!spec.name || !NAME.test(spec.name)) throw new HuaweiError('nova', '400', `Invalid keypair name '${spec.name ?? ''}'`, 400)
      if (keyPairsIn(cloud, region).some((k) => k.name === spec.name)) throw new HuaweiError('nova', '409', `Key pair '${spec.name}' already exists.`, 409)
      if (spec.public_key) return { keypair: renderKey(importKeyPair(cloud, region, spec.name, spec.public_key), projectId) }
      const made = createKeyPair(cloud, region, spec.name, 'rsa')
      return { keypair: renderKey(made.key, projectId, made.privateKey) }
    },
  },
  {
    method: 'GET',
    path: '/v2.1/{project_id}/os-keypairs',
    action: 'NovaListKeypairs',
    service: 'nova',
    // Nova's list shows name, fingerprint, public key and type (no user_id: that is the detail's).
    handler: ({ cloud, region }) => ({
      keypairs: keyPairsIn(cloud, region).map((k) => ({ keypair: { name: k.name, fingerprint: k.fingerprint, public_key: k.publicKey, type: 'ssh' } })),
    }),
  },
  {
    method: 'GET',
    path: '/v2.1/{project_id}/os-keypairs/{keypair_name}',
    action: 'NovaShowKeypair',
    service: 'nova',
    // The detail adds what the list leaves out, creation time included (Nova's format, no zone).
    handler: ({ cloud, region, projectId }, { params }) => {
      const k = getKeyPair(cloud, region, params.keypair_name!)
      return {
        keypair: {
          ...renderKey(k, projectId),
          id: novaId(cloud, k),
          created_at: k.created.toISOString().replace('Z', '000'),
          deleted: false,
          deleted_at: null,
          updated_at: null,
        },
      }
    },
  },
  {
    method: 'DELETE',
    path: '/v2.1/{project_id}/os-keypairs/{keypair_name}',
    action: 'NovaDeleteKeypair',
    service: 'nova',
    handler: ({ cloud, region }, { params }) => {
      // Nova answers 404 for a name it does not know (EC2 would say success).
      getKeyPair(cloud, region, params.keypair_name!)
      deleteKeyPair(cloud, region, params.keypair_name!)
      return answer(204)
    },
  },
]
