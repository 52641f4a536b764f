import { createHash, generateKeyPairSync } from 'node:crypto'
import { badState, exists, invalid, missingParameter, notFound } from './errors.js'
import type { Cloud } from './cloud.js'
import type { Instance, KeyPair } from './types.js'

/** Key pairs: imported OpenSSH public keys, or pairs generated here (CreateKeyPair). */

export function keyPairsIn(cloud: Cloud, region: string): KeyPair[] {
  return [...cloud.keyPairs.values()].filter((k) => k.region === region)
}

export function findKeyPair(cloud: Cloud, region: string, nameOrId: string): KeyPair | undefined {
  return keyPairsIn(cloud, region).find((k) => k.name === nameOrId || k.id === nameOrId)
}

export function getKeyPair(cloud: Cloud, region: string, nameOrId: string): KeyPair {
  const key = findKeyPair(cloud, region, nameOrId)
  if (!key) throw notFound('key-pair', nameOrId, `The key pair '${nameOrId}' does not exist`)
  return key
}

function sshString(buf: Buffer, offset: number): [Buffer, number] {
  if (offset + 4 > buf.length) throw new Error('truncated')
  const len = buf.readUInt32BE(offset)
  if (offset + 4 + len > buf.length) throw new Error('truncated')
  return [buf.subarray(offset + 4, offset + 4 + len), offset + 4 + len]
}

function ssh(...parts: Buffer[]): Buffer {
  return Buffer.concat(
    parts.flatMap((p) => {
      const len = Buffer.alloc(4)
      len.writeUInt32BE(p.length)
      return [len, p]
    }),
  )
}

/** Parses an OpenSSH public key line; throws InvalidKey.Format as EC2 does for anything else. */
export function parsePublicKey(text: string): { type: 'rsa' | 'ed25519'; blob: Buffer; line: string } {
  const bad = invalid('Key is not in valid OpenSSH public key format', { resource: 'key-pair', field: 'public-key', reason: 'key-format' })
  const [algo, b64] = text.trim().split(/\s+/)
  if (!algo || !b64) throw bad
  const type = algo === 'ssh-rsa' ? 'rsa' : algo === 'ssh-ed25519' ? 'ed25519' : undefined
  if (!type) throw bad
  const blob = Buffer.from(b64, 'base64')
  try {
    const [inner, next] = sshString(blob, 0)
    if (inner.toString() !== algo) throw bad
    if (type === 'ed25519' && sshString(blob, next)[0].length !== 32) throw bad
    if (type === 'rsa') sshString(blob, sshString(blob, next)[1])
  } catch {
    throw bad
  }
  return { type, blob, line: `${algo} ${b64}` }
}

function fingerprint(type: 'rsa' | 'ed25519', blob: Buffer): string {
  if (type === 'ed25519') return createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')
  return createHash('md5')
    .update(blob)
    .digest('hex')
    .replace(/(..)(?!$)/g, '$1:')
}

function addKey(cloud: Cloud, region: string, name: string, publicKey: string, tags?: ReadonlyMap<string, string>): KeyPair {
  if (!name) throw missingParameter('KeyName')
  if (name.length > 255) throw invalid('Key name too long', { resource: 'key-pair', field: 'name' })
  if (findKeyPair(cloud, region, name)) throw exists('key-pair', name, `The keypair '${name}' already exists.`)
  const parsed = parsePublicKey(publicKey)
  const key: KeyPair = {
    id: cloud.newId('key-pair', region),
    region,
    tags: new Map(tags ?? []),
    name,
    type: parsed.type,
    fingerprint: fingerprint(parsed.type, parsed.blob),
    publicKey: parsed.line,
    created: new Date(),
  }
  cloud.keyPairs.set(key.id, key)
  return key
}

export function importKeyPair(cloud: Cloud, region: string, name: string, publicKey: string, tags?: ReadonlyMap<string, string>): KeyPair {
  return addKey(cloud, region, name, publicKey, tags)
}

/** Generates a pair; the private key is returned once and never stored. */
export function createKeyPair(
  cloud: Cloud,
  region: string,
  name: string,
  type: 'rsa' | 'ed25519',
  tags?: ReadonlyMap<string, string>,
): { key: KeyPair; privateKey: string } {
  if (findKeyPair(cloud, region, name)) throw exists('key-pair', name, `The keypair '${name}' already exists.`)
  if (type === 'rsa') {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const jwk = pair.publicKey.export({ format: 'jwk' })
    const mpint = (b64url: string): Buffer => {
      const raw = Buffer.from(b64url, 'base64url')
      return raw[0]! & 0x80 ? Buffer.concat([Buffer.alloc(1), raw]) : raw
    }
    const blob = ssh(Buffer.from('ssh-rsa'), mpint(jwk.e!), mpint(jwk.n!))
    const key = addKey(cloud, region, name, `ssh-rsa ${blob.toString('base64')}`, tags)
    return { key, privateKey: pair.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString() }
  }
  const pair = generateKeyPairSync('ed25519')
  const pub = Buffer.from(pair.publicKey.export({ format: 'jwk' }).x!, 'base64url')
  const priv = Buffer.from(pair.privateKey.export({ format: 'jwk' }).d!, 'base64url')
  const blob = ssh(Buffer.from('ssh-ed25519'), pub)
  const key = addKey(cloud, region, name, `ssh-ed25519 ${blob.toString('base64')}`, tags)
  return { key, privateKey: openSshEd25519(blob, pub, priv, name) }
}

/** Writes the openssh-key-v1 format (unencrypted), which is what EC2 returns for ed25519. */
function openSshEd25519(blob: Buffer, pub: Buffer, priv: Buffer, comment: string): string {
  const check = Buffer.alloc(4)
  check.writeUInt32BE(Math.floor(Math.random() * 0xffffffff))
  let body = Buffer.concat([check, check, ssh(Buffer.from('ssh-ed25519'), pub, Buffer.concat([priv, pub]), Buffer.from(comment))])
  const pad: number[] = []
  for (let i = 1; (body.length + pad.length) % 8 !== 0; i++) pad.push(i)
  body = Buffer.concat([body, Buffer.from(pad)])
  const count = Buffer.alloc(4)
  count.writeUInt32BE(1)
  const all = Buffer.concat([Buffer.from('openssh-key-v1\0'), ssh(Buffer.from('none'), Buffer.from('none'), Buffer.alloc(0)), count, ssh(blob), ssh(body)])
  const lines = all.toString('base64').match(/.{1,70}/g) ?? []
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`
}

export function deleteKeyPair(cloud: Cloud, region: string, nameOrId: string, byId = false): void {
  // EC2 answers success for a name that does not exist; ids that do not exist are an error.
  const key = findKeyPair(cloud, region, nameOrId)
  if (!key) {
    if (byId) throw notFound('key-pair', nameOrId, `The key pair '${nameOrId}' does not exist`)
    return
  }
  cloud.keyPairs.delete(key.id)
}

/**
 * Binds a key pair to an instance (Alibaba's AttachKeyPair, Huawei's key binding): the
 * instance shows the key at once; the key is authorized at the next start.
 */
export function attachKeyPair(cloud: Cloud, region: string, instanceId: string, nameOrId: string): void {
  const key = getKeyPair(cloud, region, nameOrId)
  const instance = liveInstance(cloud, region, instanceId)
  instance.keyName = key.name
  instance.pendingKey = key.publicKey
}

/** Unbinds the instance's key pair; from the next start no key is authorized. */
export function detachKeyPair(cloud: Cloud, region: string, instanceId: string): void {
  const instance = liveInstance(cloud, region, instanceId)
  if (!instance.keyName) throw badState('instance', instance.id, `The instance ${instance.id} has no key pair`, 'no-key-pair')
  instance.keyName = undefined
  instance.pendingKey = null
}

function liveInstance(cloud: Cloud, region: string, id: string): Instance {
  const instance = cloud.instances.get(id)
  if (!instance || instance.region !== region || instance.state === 'terminated') throw notFound('instance', id)
  if (instance.state === 'shutting-down') throw badState('instance', id, `The instance ${id} is shutting down`)
  return instance
}
