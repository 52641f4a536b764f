import { finishCommunicator, sshFields } from './common.js'
import { field, sameNames, type PluginMapping } from './table.js'
import { vsphereCommonFields, vsphereCustomizeFields } from './vsphere-common.js'

/** Packer's vsphere-clone builder -> `vsphereClone` from @tsimg/builder-vsphere. */
export const vsphereCloneBuilder: PluginMapping = {
  kind: 'source',
  packerType: 'vsphere-clone',
  module: '@tsimg/builder-vsphere',
  factory: 'vsphereClone',
  // Set by the clone step and core's SSH step.
  generated: ['ID', 'Host', 'Port', 'User'],
  fields: {
    ...sshFields,
    ...vsphereCommonFields,
    ...sameNames({ template: 'string', disk_size: 'int', linked_clone: 'bool', network: 'string', mac_address: 'string' }),
    vapp: field('vapp', { object: { properties: field('properties', 'map') } }),
    customize: field('customize', { object: vsphereCustomizeFields }),
  },
  finish: (options) => finishCommunicator(options),
}
