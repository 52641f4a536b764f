import * as keys from '../../backend/keys.js'
import { aliError, toAlibaba } from '../errors.js'
import type { Handler } from '../server.js'
import type { AliState } from '../state.js'
import { liveInstance } from './instances.js'
import { aliTime, matchesTags, page, renderTags } from './render.js'

/** Alibaba key pairs are named, never numbered: the name is the id in every call. */
export function keyActions(state: AliState): Record<string, Handler> {
  const { cloud } = state
  return {
    ImportKeyPair(p) {
      const r = p.required('RegionId')
      const key = keys.importKeyPair(cloud, r, p.required('KeyPairName'), p.required('PublicKeyBody'), new Map(p.tags().map((t) => [t.key, t.value])))
      return { KeyPairName: key.name, KeyPairFingerPrint: key.fingerprint }
    },
    CreateKeyPair(p) {
      const r = p.required('RegionId')
      const { key, privateKey } = keys.createKeyPair(cloud, r, p.required('KeyPairName'), 'rsa', new Map(p.tags().map((t) => [t.key, t.value])))
      return { KeyPairName: key.name, KeyPairFingerPrint: key.fingerprint, KeyPairId: key.id, PrivateKeyBody: privateKey }
    },
    DescribeKeyPairs(p) {
      const r = p.required('RegionId')
      const name = p.str('KeyPairName')
      const all = keys.keyPairsIn(cloud, r).filter((k) => (!name || k.name === name) && matchesTags(k.tags, p.tags()))
      const { items, ...paging } = page(all, p.int('PageNumber'), p.int('PageSize') ?? 10)
      return {
        ...paging,
        KeyPairs: {
          KeyPair: items.map((k) => ({ KeyPairName: k.name, KeyPairFingerPrint: k.fingerprint, CreationTime: aliTime(k.created), Tags: renderTags(k.tags) })),
        },
      }
    },
    DeleteKeyPairs(p) {
      const r = p.required('RegionId')
      const names = p.jsonList('KeyPairNames')
      if (!names?.length)
        throw aliError('MissingParameter', 'The input parameter "KeyPairNames" that is mandatory for processing this request is not supplied.')
      for (const name of names) keys.deleteKeyPair(cloud, r, name)
      return {}
    },
    AttachKeyPair: (p) => attach(state, p.required('RegionId'), p.required('KeyPairName'), p.jsonList('InstanceIds') ?? [], true),
    DetachKeyPair: (p) => attach(state, p.required('RegionId'), p.required('KeyPairName'), p.jsonList('InstanceIds') ?? [], false),
  }
}

/**
 * Attaching takes effect at the next start (the backend authorizes the key then); the
 * answer reports per instance, with counts as strings, as Alibaba's does.
 */
function attach(state: AliState, region: string, name: string, ids: readonly string[], on: boolean): Record<string, unknown> {
  const key = keys.findKeyPair(state.cloud, region, name)
  if (!key) throw aliError('InvalidKeyPairName.NotFound', 'The specified KeyPairName does not exist.', 404)
  const results = ids.map((id) => {
    try {
      const i = liveInstance(state, id)
      if (on) keys.attachKeyPair(state.cloud, region, i.id, name)
      else if (i.keyName === name) keys.detachKeyPair(state.cloud, region, i.id)
      return { InstanceId: id, Success: 'true', Code: '200', Message: 'successful' }
    } catch (e) {
      const wire = toAlibaba(e as Error)
      return { InstanceId: id, Success: 'false', Code: wire.code, Message: wire.message }
    }
  })
  const failed = results.filter((r) => r.Success === 'false').length
  return { KeyPairName: name, TotalCount: String(results.length), FailCount: String(failed), Results: { Result: results } }
}
