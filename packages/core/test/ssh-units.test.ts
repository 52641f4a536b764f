import { createHmac, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { knownKeysFor } from '../dist/ssh/host-keys.js'
import { fingerprintSha256, publicKeyOf } from '../dist/ssh/keys.js'
import { generateKeyPair, parseDuration, Redactor, sshOptionsSchema, sshSecrets, sshTargetFromOptions, TemplateError } from '@tsimg/core/plugin'

describe('parseDuration', () => {
  it('reads Packer durations and milliseconds', () => {
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('1.5s')).toBe(1_500)
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('2m3s')).toBe(123_000)
    expect(parseDuration(250)).toBe(250)
    expect(parseDuration('250')).toBe(250)
  })
  it('rejects what is not a duration, saying what is expected', () => {
    for (const bad of ['', '5 minutes', 'm', '5x', '-1s', '1m-']) expect(() => parseDuration(bad)).toThrow(/Invalid duration .*expected e\.g\. '30s'/)
    expect(() => parseDuration(-1)).toThrow(/Invalid duration/)
  })
})

describe('sshOptionsSchema', () => {
  it('accepts Packer-style options and rejects wrong values by field', () => {
    expect(sshOptionsSchema.parse({ sshUsername: 'ubuntu', sshTimeout: '10m', sshHostKeyPolicy: 'known-hosts' })).toEqual({
      sshUsername: 'ubuntu',
      sshTimeout: '10m',
      sshHostKeyPolicy: 'known-hosts',
    })
    const r = sshOptionsSchema.safeParse({ sshTimeout: 'soon', sshPort: 70000, sshHostKeyPolicy: 'trust-me' })
    expect(r.success).toBe(false)
    const fields = r.error!.issues.map((i) => i.path.join('.'))
    expect(fields).toEqual(expect.arrayContaining(['sshTimeout', 'sshPort', 'sshHostKeyPolicy']))
  })
  it('lists the passwords as secrets, so that a Redactor fed with them hides them in any text', () => {
    const secrets = sshSecrets({ sshPassword: 'Tr0ub4dor&3-horse', sshBastionPassword: 'jump-Pa55word!x', sshUsername: 'deploy' })
    expect(secrets).toEqual(['Tr0ub4dor&3-horse', 'jump-Pa55word!x'])
    const redactor = new Redactor()
    for (const s of secrets) redactor.add(s)
    expect(redactor.redact('login deploy/Tr0ub4dor&3-horse via jump-Pa55word!x failed')).toBe('login deploy/<sensitive> via <sensitive> failed')
  })
})

describe('sshTargetFromOptions', () => {
  it('maps options over the builder facts, with Packer defaults', async () => {
    const key = generateKeyPair()
    const t = await sshTargetFromOptions({ sshPort: 2222, sshTimeout: '2m', sshBastionHost: 'jump.example' }, { host: '10.0.0.5', privateKey: key.privateKey })
    expect(t).toMatchObject({
      host: '10.0.0.5',
      port: 2222,
      username: 'root',
      timeoutMs: 120_000,
      handshakeAttempts: 10,
      keepAliveIntervalMs: 5_000,
      hostKeyPolicy: 'accept-any',
      bastion: { host: 'jump.example', port: 22, username: 'root', privateKey: key.privateKey },
    })
  })
  it('an unreadable key file is a template error naming the field', async () => {
    const err = await sshTargetFromOptions({ sshPrivateKeyFile: 'nope/id_ed25519' }, { host: 'h', baseDir: '/tmp' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TemplateError)
    expect((err as Error).message).toMatch(/sshPrivateKeyFile: cannot read private key file \/tmp\/nope\/id_ed25519: ENOENT/)
  })
})

describe('keys', () => {
  it('generates ed25519 and rsa pairs whose public line matches the private key', () => {
    const ed = generateKeyPair('ed25519', undefined, 'tsimg-b1')
    expect(ed.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/)
    expect(ed.publicKey).toMatch(/^ssh-ed25519 AAAA\S+ tsimg-b1$/)
    expect(publicKeyOf(ed.privateKey)).toBe(ed.publicKey.split(' ').slice(0, 2).join(' '))
    const rsa = generateKeyPair('rsa', 2048, 'tsimg-b2')
    expect(rsa.publicKey).toMatch(/^ssh-rsa AAAA\S+ tsimg-b2$/)
  })
})

describe('knownKeysFor', () => {
  it('finds plain, bracketed-port, wildcard and hashed entries and skips negated ones', () => {
    const k1 = randomBytes(51)
    const k2 = randomBytes(51)
    const k3 = randomBytes(51)
    const salt = randomBytes(20)
    const hash = createHmac('sha1', salt).update('[10.1.2.3]:2222').digest('base64')
    const text = [
      `10.1.2.3 ssh-ed25519 ${k1.toString('base64')}`,
      `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${k2.toString('base64')}`,
      `*.example.com,!bad.example.com ssh-ed25519 ${k3.toString('base64')}`,
      '# comment',
      `@revoked 10.1.2.3 ssh-ed25519 ${k3.toString('base64')}`,
    ].join('\n')
    expect(knownKeysFor(text, '10.1.2.3', 22)).toEqual([k1])
    expect(knownKeysFor(text, '10.1.2.3', 2222)).toEqual([k2])
    expect(knownKeysFor(text, 'web.example.com', 22)).toEqual([k3])
    expect(knownKeysFor(text, 'bad.example.com', 22)).toEqual([])
    expect(fingerprintSha256(k1)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })
})
