import { code } from '../functions.js'
import { sameNames, unsupported, field, type FieldTable } from './table.js'

/** Packer's SSH communicator options, which every builder takes. */
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
  communicator: field('__communicator', 'string'),
  ssh_wait_timeout: field('sshTimeout', 'duration'),
  ssh_file_transfer_method: unsupported('tsimg always transfers files with SFTP'),
  winrm_username: unsupported('WinRM is not supported: tsimg connects over SSH only'),
  winrm_password: unsupported('WinRM is not supported: tsimg connects over SSH only'),
  winrm_port: unsupported('WinRM is not supported: tsimg connects over SSH only'),
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
      .map(([k, v]) => [k, names.includes(k) && typeof v === 'string' && WHOLE_CODE.test(v) ? code(`(${v.slice(1, -1)}) || undefined`) : v]),
  )
}

const WHOLE_CODE = /^\u0001[^\u0002]*\u0002$/
