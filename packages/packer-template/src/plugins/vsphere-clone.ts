import { dropEmpty, finishCommunicator, sshFields } from './common.js'
import { allUnsupported, field, sameNames, unsupported, type PluginMapping } from './table.js'
import { vsphereCommonFields, vsphereCustomizeFields, vsphereEmptyIsUnset } from './vsphere-common.js'

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
    vapp: unsupported('vApp properties are not supported yet: leave vapp out'),
    customize: field('customize', { object: vsphereCustomizeFields }),
    ...allUnsupported('boot commands, their HTTP server and CD/floppy media are not supported by vsphere-clone yet: the clone boots its own disk', [
      'boot_command',
      'boot_wait',
      'boot_keygroup_interval',
      'http_directory',
      'http_content',
      'http_port_min',
      'http_port_max',
      'http_bind_address',
      'http_interface',
      'http_network_protocol',
      'http_ip',
      'cd_files',
      'cd_content',
      'cd_label',
      'cdrom_type',
      'iso_paths',
      'remove_cdrom',
      'reattach_cdroms',
      'floppy_img_path',
      'floppy_files',
      'floppy_dirs',
      'floppy_content',
      'floppy_label',
    ]),
    ...allUnsupported('not supported yet: change the disks of the source VM, or grow the first with disk_size', ['storage', 'disk_controller_type']),
  },
  // Packer reads an option given as '' (an unset user variable, as seed 003's host) as unset.
  finish: (options) => finishCommunicator(dropEmpty(options, [...vsphereEmptyIsUnset, 'network'])),
}
