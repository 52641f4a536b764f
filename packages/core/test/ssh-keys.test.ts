import ssh2 from 'ssh2'
import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@tsimg/core/plugin'

describe('generateKeyPair', () => {
  it('every ed25519 pair reads back whole (ssh2 alone gets ~1 in 128 wrong)', () => {
    for (let i = 0; i < 1500; i++) {
      const { privateKey, publicKey } = generateKeyPair('ed25519', undefined, 'tsimg-test')
      const parsed = ssh2.utils.parseKey(privateKey)
      expect(parsed).not.toBeInstanceOf(Error)
      const key = Array.isArray(parsed) ? parsed[0]! : (parsed as ssh2.ParsedKey)
      expect(`${key.type} ${key.getPublicSSH().toString('base64')} tsimg-test`).toBe(publicKey)
      expect(Buffer.from(publicKey.split(' ')[1]!, 'base64').length).toBe(51)
    }
  })

  it('rsa pairs carry the requested size', () => {
    const { privateKey, publicKey } = generateKeyPair('rsa', 2048)
    expect(publicKey).toMatch(/^ssh-rsa AAAA/)
    expect(privateKey).toContain('PRIVATE KEY')
  })
})
