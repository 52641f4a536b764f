import { finishCommunicator, sshFields } from './common.js'
import { field, unsupported, type PluginMapping } from './table.js'

/** Packer's null builder -> `sshHost` from @tsimg/core (provisions an existing host). */
export const nullBuilder: PluginMapping = {
  kind: 'source',
  packerType: 'null',
  module: '@tsimg/core',
  factory: 'sshHost',
  tsimgType: 'ssh',
  generated: ['Host', 'Port', 'User'],
  fields: {
    ...sshFields,
    ssh_host: field('host', 'string'),
    temporary_key_pair_type: unsupported('the null builder has no temporary key: give ssh_private_key_file, ssh_password or ssh_agent_auth'),
    temporary_key_pair_bits: unsupported('the null builder has no temporary key: give ssh_private_key_file, ssh_password or ssh_agent_auth'),
  },
  finish: finishCommunicator,
}
