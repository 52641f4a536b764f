import { CloudError } from '../../backend/errors.js'
import * as keys from '../../backend/keys.js'
import { applyFilters, readFilters } from '../filters.js'
import { renderKeyPair } from '../render.js'
import { tagSet } from '../xml.js'
import { tagSpec, type Handler } from './common.js'

export const ImportKeyPair: Handler = ({ cloud, region }, r) => {
  const material = r.required('PublicKeyMaterial')
  // The SDK sends the OpenSSH line base64-encoded (a blob member).
  const text = Buffer.from(material, 'base64').toString('utf8')
  const key = keys.importKeyPair(cloud, region, r.required('KeyName'), text, tagSpec(r, 'key-pair', ['key-pair']))
  return { keyFingerprint: key.fingerprint, keyName: key.name, keyPairId: key.id, tagSet: tagSet(key.tags) }
}

export const CreateKeyPair: Handler = ({ cloud, region }, r) => {
  const type = r.str('KeyType') ?? 'rsa'
  if (type !== 'rsa' && type !== 'ed25519') throw new CloudError('InvalidParameterValue', `Invalid value '${type}' for KeyType`)
  if ((r.str('KeyFormat') ?? 'pem') !== 'pem') throw new CloudError('InvalidParameterValue', 'Only the pem key format is supported')
  const { key, privateKey } = keys.createKeyPair(cloud, region, r.required('KeyName'), type, tagSpec(r, 'key-pair', ['key-pair']))
  return { keyFingerprint: key.fingerprint, keyMaterial: privateKey, keyName: key.name, keyPairId: key.id, tagSet: tagSet(key.tags) }
}

export const DescribeKeyPairs: Handler = ({ cloud, region }, r) => {
  const names = r.list('KeyName')
  const ids = r.list('KeyPairId')
  let found = keys.keyPairsIn(cloud, region)
  if (names.length || ids.length) found = found.filter((k) => names.includes(k.name) || ids.includes(k.id))
  for (const n of [...names, ...ids])
    if (!found.some((k) => k.name === n || k.id === n)) throw new CloudError('InvalidKeyPair.NotFound', `The key pair '${n}' does not exist`)
  found = applyFilters(
    found,
    readFilters(r),
    {
      'key-name': (k) => k.name,
      'key-pair-id': (k) => k.id,
      fingerprint: (k) => k.fingerprint,
      'key-type': (k) => k.type,
    },
    (k) => k.tags,
  )
  return { keySet: found.map((k) => renderKeyPair(k, r.bool('IncludePublicKey') === true)) }
}

export const DeleteKeyPair: Handler = ({ cloud, region }, r) => {
  const byId = r.str('KeyPairId')
  const nameOrId = byId ?? r.required('KeyName')
  const key = keys.findKeyPair(cloud, region, nameOrId)
  keys.deleteKeyPair(cloud, region, nameOrId, byId !== undefined)
  return { return: true, keyPairId: key?.id }
}
