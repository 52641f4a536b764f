import { TsimgError, connectSsh, sshTargetFromOptions, type SshOptions, type Step } from '@tsimg/core/plugin'
import type { KeyPairState } from './key-pair.js'

/** Packer's `ssh_interface` values, shared by every cloud. */
export type SshInterface = 'public_ip' | 'private_ip' | 'public_dns' | 'private_dns'

export interface AddressChoice {
  /** `Instance i-0abc`: named in the error. */
  readonly resource: string
  /** What the instance has; missing ones undefined or empty. */
  readonly addresses: Partial<Record<SshInterface, string | undefined>>
  /** The user's choice (sshInterface); default: public IP (or DNS) when there is one, else private IP. */
  readonly iface?: SshInterface
  /** An explicit host (sshHost) wins over every address. */
  readonly explicitHost?: string
  /** Option names for the hint, in this cloud's builder: `sshInterface`, `associatePublicIpAddress`. */
  readonly ifaceOption: string
  readonly publicIpOption?: string
}

/** Picks the address to SSH to; a missing one fails now, naming the option to set. */
export function chooseSshAddress(c: AddressChoice): string {
  if (c.explicitHost) return c.explicitHost
  const a = c.addresses
  const pick: SshInterface = c.iface ?? (a.public_ip ? 'public_ip' : a.public_dns ? 'public_dns' : 'private_ip')
  const host = a[pick]
  if (host) return host
  const have = (Object.keys(a) as SshInterface[]).filter((k) => a[k])
  const hint = pick.startsWith('public')
    ? `Set ${c.ifaceOption} to ${have[0] ? `'${have[0]}'` : "'private_ip'"}${c.publicIpOption ? `, or ${c.publicIpOption}: true` : ''}.`
    : `Set ${c.ifaceOption} to one of the addresses it has${have.length ? ` (${have.join(', ')})` : ''}, or set sshHost.`
  const what = `${c.resource} has no ${pick.replace('_', ' ')} address to connect to${have.length ? ` (it has: ${have.join(', ')})` : ''}`
  throw new TsimgError('CLOUD_NO_SSH_ADDRESS', `${what}. ${hint}`, { hint })
}

/**
 * The connect step of a cloud build: SSH to the address the instance step chose (`state.sshHost`,
 * through `chooseSshAddress`) with the key pair step's private key, or the user's own credentials.
 */
export function cloudConnectSsh<S extends KeyPairState & { sshHost?: string }>(options: SshOptions, at: { port: number; templateDir: string }): Step<S> {
  return connectSsh<S>(async (state) =>
    sshTargetFromOptions(options, { host: state.sshHost!, port: at.port, privateKey: state.keyPair?.privateKey, baseDir: at.templateDir }),
  )
}
