import { code } from '../functions.js'
import { allUnsupported, field, ignored, noted, sameNames, unsupported, type FieldTable } from './table.js'

/** Packer's SSH communicator options, which every builder takes. */
/**
 * Build values every builder's communicator sets, as Packer's do: ConnType, Password,
 * SSHPublicKey, SSHPrivateKey and WinRMPassword ("" where the communicator has none, as in Packer).
 */
export const COMMUNICATOR_VALUES = ['ConnType', 'Password', 'SSHPublicKey', 'SSHPrivateKey', 'WinRMPassword'] as const

export const sshFields: FieldTable = {
  ...sameNames({
    ssh_host: 'string',
    ssh_port: 'int',
    ssh_username: 'string',
    ssh_password: 'string',
    ssh_private_key_file: 'string',
    ssh_agent_auth: 'bool',
    ssh_timeout: 'duration',
    ssh_handshake_attempts: 'int',
    ssh_keep_alive_interval: 'duration',
    ssh_read_write_timeout: 'duration',
    ssh_pty: 'bool',
    ssh_bastion_host: 'string',
    ssh_bastion_port: 'int',
    ssh_bastion_username: 'string',
    ssh_bastion_password: 'string',
    ssh_bastion_private_key_file: 'string',
    ssh_bastion_agent_auth: 'bool',
    ssh_clear_authorized_keys: 'bool',
    temporary_key_pair_type: 'string',
    temporary_key_pair_bits: 'int',
  }),
  ssh_known_hosts_file: field('sshKnownHostsFile', 'string'),
  // Packer's `communicator`: only SSH exists in tsimg; 'ssh' is accepted, the rest rejected by value.
  communicator: noted(field('__communicator', 'string'), '"ssh" (the default); a builder table says which others it takes'),
  ssh_wait_timeout: field('sshTimeout', 'duration'),
  ssh_file_transfer_method: unsupported('tsimg always transfers files with SFTP'),
  ssh_keypair_name: unsupported('only the cloud builders take an existing key pair; give ssh_private_key_file'),
  temporary_key_pair_name: unsupported('tsimg names the temporary key pair itself (after the run), so `tsimg cleanup` can find a leftover one'),
  ssh_disable_agent_forwarding: ignored('tsimg never forwards the SSH agent to the machine'),
  pause_before_connecting: field('pauseBeforeConnecting', 'duration'),
  ...allUnsupported("tsimg uses the SSH library's (ssh2) own algorithm lists", ['ssh_ciphers', 'ssh_key_exchange_algorithms']),
  ...allUnsupported('SSH certificates are not supported: give a private key file', ['ssh_certificate_file', 'ssh_bastion_certificate_file']),
  ssh_bastion_interactive: unsupported('keyboard-interactive login on the bastion is not supported: give ssh_bastion_password or a key'),
  ...allUnsupported('SOCKS proxies are not supported: reach the machine through ssh_bastion_host', [
    'ssh_proxy_host',
    'ssh_proxy_port',
    'ssh_proxy_username',
    'ssh_proxy_password',
  ]),
  ...allUnsupported('SSH port forwarding is not supported', ['ssh_remote_tunnels', 'ssh_local_tunnels']),
  ...allUnsupported('not a template option: Packer sets it itself; give ssh_private_key_file', ['ssh_public_key', 'ssh_private_key']),
  ...allUnsupported('WinRM is not supported: tsimg connects over SSH only', [
    'winrm_username',
    'winrm_password',
    'winrm_host',
    'winrm_port',
    'winrm_timeout',
    'winrm_use_ssl',
    'winrm_insecure',
    'winrm_use_ntlm',
    'winrm_no_proxy',
  ]),
}

/** Packer's options every provisioner takes. */
export const provisionerFields: FieldTable = {
  only: field('only', 'strings'),
  except: field('except', 'strings'),
  pause_before: field('pauseBefore', 'duration'),
  max_retries: field('maxRetries', 'int'),
  timeout: field('timeout', 'duration'),
}

/** Checks and drops the pseudo-option `__communicator`. */
export function finishCommunicator(options: Record<string, unknown>): Record<string, unknown> {
  const { __communicator: c, ...rest } = options
  if (c !== undefined && c !== 'ssh') {
    throw new Error(`communicator "${String(c)}" is not supported: tsimg connects over SSH only (set communicator = "ssh" or leave it out)`)
  }
  return rest
}

/**
 * Drops options given as '' (an `env` of an unset variable): Packer reads them as unset and
 * falls back to its default (the credentials of the environment, a zone it picks).
 */
export function dropEmpty(options: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(options)
      .filter(([k, v]) => !(names.includes(k) && v === ''))
      // convert: a value known only at build (a variable) is dropped then when it is empty.
      // (A JSON variable's packerJson.string already reads "" as unset.)
      .map(([k, v]) => [
        k,
        names.includes(k) && typeof v === 'string' && WHOLE_CODE.test(v) && !v.startsWith('\u0001packerJson.string(')
          ? code(`(${v.slice(1, -1)}) || undefined`)
          : v,
      ]),
  )
}

const WHOLE_CODE = /^\u0001[^\u0002]*\u0002$/

/** Packer's HCL `tag { key = "k", value = "v" }` blocks (often `dynamic "tag"`). */
export const keyValue: FieldTable = sameNames({ key: 'string', value: 'string' })

/**
 * Folds Packer's repeatable tag blocks (mapped to `__<block>` lists) into the map option they
 * add to (`tag` -> `tags`), each entry over the map's own, as Packer does.
 */
export function withTagBlocks(options: Record<string, unknown>, blocks: Readonly<Record<string, string>>): Record<string, unknown> {
  const out = { ...options }
  for (const [block, option] of Object.entries(blocks)) {
    const list = out[`__${block}`] as { key?: string; value?: string }[] | undefined
    delete out[`__${block}`]
    if (!list) continue
    for (const kv of list) if (!kv.key) throw new Error(`a ${block} block needs a key`)
    out[option] = { ...((out[option] as Record<string, string> | undefined) ?? {}), ...Object.fromEntries(list.map((kv) => [kv.key!, kv.value ?? ''])) }
  }
  return out
}
