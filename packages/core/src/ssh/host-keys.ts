import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { HostKeyPolicy } from './options.js'
import { fingerprintSha256 } from './keys.js'

/** Why a host key was refused, for the error message (no key material beyond the fingerprint). */
export interface HostKeyCheck {
  accept(keyBlob: Buffer): boolean
  /** Set after a refusal. */
  reason?: string
}

/**
 * A verifier for ssh2's `hostVerifier`. `accept-any` suits fresh machines whose key nobody
 * can know yet; `known-hosts` reads OpenSSH's file (plain and hashed entries, `[host]:port`);
 * a `SHA256:` fingerprint pins one key.
 */
export function hostKeyCheck(policy: HostKeyPolicy, host: string, port: number, knownHostsFile?: string): HostKeyCheck {
  const check: HostKeyCheck = {
    accept(blob) {
      if (policy === 'accept-any') return true
      const fp = fingerprintSha256(blob)
      if (policy !== 'known-hosts') {
        if (fp === policy.replace(/=$/, '')) return true
        check.reason = `host key ${fp} of ${host}:${port} does not match the pinned ${policy}`
        return false
      }
      const file = knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts')
      let text: string
      try {
        text = readFileSync(file, 'utf8')
      } catch (err) {
        check.reason = `cannot read known hosts file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`
        return false
      }
      const keys = knownKeysFor(text, host, port)
      if (keys.some((k) => k.equals(blob))) return true
      check.reason =
        keys.length === 0
          ? `${host}:${port} is not in ${file} (its key is ${fp}); add it or use sshHostKeyPolicy: '${fp}'`
          : `HOST KEY MISMATCH for ${host}:${port}: ${fp} is not the key recorded in ${file}`
      return false
    },
  }
  return check
}

/** Key blobs recorded for host:port in known_hosts text (revoked and @cert-authority lines skipped). */
export function knownKeysFor(text: string, host: string, port: number): Buffer[] {
  const names = port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`]
  const out: Buffer[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith('@')) continue
    const [hosts, , b64] = line.split(/\s+/)
    if (!hosts || !b64) continue
    if (!hostsMatch(hosts, names)) continue
    out.push(Buffer.from(b64, 'base64'))
  }
  return out
}

function hostsMatch(field: string, names: string[]): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|')
    if (!salt || !hash) return false
    return names.some((n) => createHmac('sha1', Buffer.from(salt, 'base64')).update(n).digest('base64') === hash)
  }
  let matched = false
  for (const pat of field.split(',')) {
    const negated = pat.startsWith('!')
    const re = globToRegExp(negated ? pat.slice(1) : pat)
    if (names.some((n) => re.test(n))) {
      if (negated) return false
      matched = true
    }
  }
  return matched
}

function globToRegExp(glob: string): RegExp {
  const esc = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${esc}$`, 'i')
}
