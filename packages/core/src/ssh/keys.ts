import { createHash } from 'node:crypto'
import ssh2 from 'ssh2'

export type KeyPairType = 'ed25519' | 'rsa'

export interface KeyPair {
  /** OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`). Never print it. */
  readonly privateKey: string
  /** One authorized_keys line: `ssh-ed25519 AAAA... tsimg-<buildId>`. */
  readonly publicKey: string
}

/**
 * A new key pair made locally (ed25519 by default; rsa with `bits`, default 4096).
 * `comment` ends the public key line, e.g. `tsimg-<buildId>`.
 */
export function generateKeyPair(type: KeyPairType = 'ed25519', bits = 4096, comment = 'tsimg'): KeyPair {
  // ssh2's encoder drops a leading zero byte of the ed25519 public key (about 1 key in 128),
  // producing a key that it cannot parse back. Keep only pairs that read back whole.
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = type === 'rsa' ? ssh2.utils.generateKeyPairSync('rsa', { bits, comment }) : ssh2.utils.generateKeyPairSync('ed25519', { comment })
    const publicKey = pair.public.trim()
    if (publicKeyOf(pair.private) === publicKey.split(' ').slice(0, 2).join(' ')) {
      return { privateKey: pair.private, publicKey }
    }
  }
  throw new Error(`could not generate a readable ${type} key pair`)
}

/** `SHA256:...` fingerprint of a raw public key blob, as `ssh-keygen -lf` prints it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')
}

/** The public key line (`type base64 [comment]`) of a private key, or undefined if it cannot be parsed. */
export function publicKeyOf(privateKey: string | Buffer, passphrase?: string): string | undefined {
  let parsed: ReturnType<typeof ssh2.utils.parseKey>
  try {
    parsed = ssh2.utils.parseKey(privateKey, passphrase)
  } catch {
    return undefined
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed
  if (!key || key instanceof Error) return undefined
  return `${key.type} ${key.getPublicSSH().toString('base64')}`
}
