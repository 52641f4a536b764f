import { z } from 'zod'
import { durationSchema } from '../util/duration.js'

/**
 * How to accept the machine's host key. Fresh machines have unknown keys, so the default
 * accepts any; `'known-hosts'` checks `sshKnownHostsFile`; a `SHA256:...` fingerprint pins one key.
 */
const hostKeyPolicySchema = z.union([
  z.literal('accept-any'),
  z.literal('known-hosts'),
  z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, "expected 'accept-any', 'known-hosts' or a 'SHA256:...' fingerprint"),
])

/**
 * Packer's SSH communicator options in camelCase. Builders merge this into their schemas
 * (`mySchema.extend(sshOptionsSchema.shape)`). All are optional.
 */
export const sshOptionsSchema = z.object({
  /** Address to connect to; default: what the builder found (the instance's IP, the published port's host). */
  sshHost: z.string().optional(),
  /** Port to connect to; default 22 (or what the builder published). */
  sshPort: z.number().int().min(1).max(65535).optional(),
  /** User to log in as; default `root`. */
  sshUsername: z.string().min(1).optional(),
  /** Password for password and keyboard-interactive authentication. */
  sshPassword: z.string().optional(),
  /** Path of a private key file (OpenSSH or PEM); no temporary key pair is made when set. */
  sshPrivateKeyFile: z.string().min(1).optional(),
  /** Authenticate with the keys of the running ssh-agent (SSH_AUTH_SOCK). */
  sshAgentAuth: z.boolean().optional(),
  /** How long to wait for SSH to become available, e.g. `'5m'` (default) or milliseconds. */
  sshTimeout: durationSchema.optional(),
  /** How many SSH handshakes (including failed logins) to attempt before failing; default 10. */
  sshHandshakeAttempts: z.number().int().min(1).optional(),
  /** Interval of SSH keep-alive messages, e.g. `'5s'` (default); `0` disables them. */
  sshKeepAliveInterval: durationSchema.optional(),
  /** Fail a transfer or command whose connection stays silent this long; default: no limit. */
  sshReadWriteTimeout: durationSchema.optional(),
  /** Request a pseudo-terminal for commands. */
  sshPty: z.boolean().optional(),
  /**
   * Packer's `pause_before_connecting`: once SSH answers, wait this long (e.g. `'30s'`) and
   * connect again before provisioning, for machines whose boot scripts restart sshd or change users.
   */
  pauseBeforeConnecting: durationSchema.optional(),
  /** Reach the machine through this bastion (jump) host. */
  sshBastionHost: z.string().min(1).optional(),
  /** Port of the bastion host; default 22. */
  sshBastionPort: z.number().int().min(1).max(65535).optional(),
  /** User on the bastion host; default: sshUsername. */
  sshBastionUsername: z.string().min(1).optional(),
  /** Password on the bastion host. */
  sshBastionPassword: z.string().optional(),
  /** Private key file for the bastion host; default: the machine's key. */
  sshBastionPrivateKeyFile: z.string().min(1).optional(),
  /** Use the ssh-agent for the bastion host. */
  sshBastionAgentAuth: z.boolean().optional(),
  /** `'accept-any'` (default: hosts are fresh), `'known-hosts'`, or a pinned `SHA256:...` fingerprint. */
  sshHostKeyPolicy: hostKeyPolicySchema.optional(),
  /** known_hosts file for `sshHostKeyPolicy: 'known-hosts'`; default `~/.ssh/known_hosts`. */
  sshKnownHostsFile: z.string().min(1).optional(),
  /** Type of the temporary key pair made when no key, password or agent is given; default `ed25519`. */
  temporaryKeyPairType: z.enum(['ed25519', 'rsa']).optional(),
  /** Bits of a temporary RSA key; default 4096. */
  temporaryKeyPairBits: z.number().int().min(2048).max(16384).optional(),
  /** Remove the temporary public key from the machine's authorized_keys before the image is made. */
  sshClearAuthorizedKeys: z.boolean().optional(),
})

export type SshOptions = z.infer<typeof sshOptionsSchema>

export type HostKeyPolicy = z.infer<typeof hostKeyPolicySchema>

/** Defaults as Packer has them. */
export const SSH_DEFAULTS = {
  port: 22,
  username: 'root',
  timeoutMs: 5 * 60_000,
  handshakeAttempts: 10,
  keepAliveIntervalMs: 5_000,
  temporaryKeyPairType: 'ed25519',
  temporaryKeyPairBits: 4096,
} as const

/** Values of these options that must be redacted wherever printed. */
export function sshSecrets(options: SshOptions): string[] {
  return [options.sshPassword, options.sshBastionPassword].filter((s): s is string => !!s)
}

/** Whether the user gave a way to log in (otherwise a temporary key pair is made). */
export function hasUserCredentials(options: SshOptions): boolean {
  return !!(options.sshPrivateKeyFile || options.sshPassword || options.sshAgentAuth)
}
