import { finishCommunicator, sshFields, COMMUNICATOR_VALUES } from './common.js'
import { field, unsupported, type PluginMapping } from './table.js'

/** Packer's null builder with communicator "none" -> `nullSource` from @tsimg/core: no machine, local provisioners only. */
const nullWithoutCommunicator: PluginMapping = {
  kind: 'source',
  packerType: 'null',
  module: '@tsimg/core',
  factory: 'nullSource',
  fields: {},
  finish: ({ __communicator: _none, ...rest }) => {
    // Named as the template names them: sshUsername is ssh_username; the host is ssh_host.
    const given = Object.keys(rest).map((k) => (k === 'host' ? 'ssh_host' : k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)))
    if (given.length)
      throw new Error(`with communicator "none" there is no connection, so ${given.join(', ')} cannot apply: remove them, or use communicator "ssh"`)
    return rest
  },
}

/** Packer's null builder -> `sshHost` from @tsimg/core (provisions an existing host); with communicator "none", `nullSource`. */
export const nullBuilder: PluginMapping = {
  kind: 'source',
  packerType: 'null',
  module: '@tsimg/core',
  factory: 'sshHost',
  tsimgType: 'ssh',
  generated: ['Host', 'Port', 'User', ...COMMUNICATOR_VALUES],
  fields: {
    ...sshFields,
    ssh_host: field('host', 'string'),
    temporary_key_pair_type: unsupported('the null builder has no temporary key: give ssh_private_key_file, ssh_password or ssh_agent_auth'),
    temporary_key_pair_bits: unsupported('the null builder has no temporary key: give ssh_private_key_file, ssh_password or ssh_agent_auth'),
  },
  finish: finishCommunicator,
  alternative: { when: (o) => o.__communicator === 'none', mapping: nullWithoutCommunicator },
}
