import { allUnsupported, field, sameNames, unsupported, type FieldTable } from './table.js'

/**
 * The options Packer's vsphere-clone and vsphere-iso share (ConnectConfig, LocationConfig,
 * HardwareConfig, ConfigParamsConfig, WaitIpConfig, ShutdownConfig, export,
 * content_library_destination), mapped to @tsimg/builder-vsphere's common options. Each
 * builder's table spreads this one and adds its own.
 */
export const vsphereCommonFields: FieldTable = {
  ...sameNames({
    // ConnectConfig
    vcenter_server: 'string',
    username: 'string',
    password: 'string',
    insecure_connection: 'bool',
    datacenter: 'string',
    // LocationConfig
    vm_name: 'string',
    folder: 'string',
    cluster: 'string',
    host: 'string',
    resource_pool: 'string',
    datastore: 'string',
    set_host_for_datastore_uploads: 'bool',
    // HardwareConfig (the snake_case ones)
    cpu_cores: 'int',
    firmware: 'string',
    force_bios_setup: 'bool',
    // ConfigParamsConfig
    configuration_parameters: 'map',
    tools_sync_time: 'bool',
    tools_upgrade_policy: 'bool',
    // WaitIpConfig
    ip_wait_timeout: 'duration',
    ip_settle_timeout: 'duration',
    ip_wait_address: 'string',
    // ShutdownConfig
    shutdown_command: 'string',
    shutdown_timeout: 'duration',
    disable_shutdown: 'bool',
    // CreateSnapshot / template
    create_snapshot: 'bool',
    snapshot_name: 'string',
    convert_to_template: 'bool',
    notes: 'string',
  }),
  // Typed in @tsimg/builder-vsphere, which refuses them at validate until they are carried out.
  boot_order: unsupported('not supported yet: leave it out (the VM keeps its boot order)'),
  video_ram: unsupported('not supported yet: leave it out (the VM keeps its video memory)'),
  // HardwareConfig's capitalised names.
  CPUs: field('cpus', 'int'),
  CPU_reservation: field('cpuReservation', 'int'),
  CPU_limit: field('cpuLimit', 'int'),
  CPU_hot_plug: field('cpuHotPlug', 'bool'),
  RAM: field('ram', 'int'),
  RAM_reservation: field('ramReservation', 'int'),
  RAM_reserve_all: field('ramReserveAll', 'bool'),
  RAM_hot_plug: field('ramHotPlug', 'bool'),
  NestedHV: field('nestedHv', 'bool'),
  vgpu_profile: unsupported('vGPU profiles are not supported yet: add the device after the build'),
  export: field('export', {
    object: sameNames({ name: 'string', force: 'bool', images: 'bool', manifest: 'string', options: 'strings', output_directory: 'string' }),
  }),
  content_library_destination: unsupported('not supported yet: leave it out and import the template into the content library after the build'),
  // Options of newer vSphere plugins, in both builders' configs: refused until tsimg carries them out.
  ...allUnsupported('a newer vSphere plugin option, not supported yet: leave it out', [
    'destroy',
    'datastore_cluster',
    'displays',
    'pci_passthrough_allowed_device',
    'vTPM',
    'precision_clock',
    'tools_sync_time_periodically',
    'vbs_enabled',
    'vvtd_enabled',
    'remove_network_adapter',
  ]),
}

/** The common options Packer reads as unset when given as '' (an unset user variable, as seed 003's host): each builder's finish drops them. */
export const vsphereEmptyIsUnset: readonly string[] = ['host', 'cluster', 'folder', 'resourcePool', 'datastore', 'datacenter', 'vmName', 'notes']

/** Packer's vsphere-clone `customize { ... }` block. */
export const vsphereCustomizeFields: FieldTable = {
  linux_options: field('linuxOptions', { object: sameNames({ domain: 'string', host_name: 'string', hw_clock_utc: 'bool', time_zone: 'string' }) }),
  windows_sysprep_text: field('windowsSysprepText', 'string'),
  windows_options: unsupported('Windows guests are not supported: tsimg connects over SSH'),
  network_interface: field('networkInterface', {
    list: sameNames({
      dns_server_list: 'strings',
      dns_domain: 'string',
      ipv4_address: 'string',
      ipv4_netmask: 'int',
      ipv6_address: 'string',
      ipv6_netmask: 'int',
    }),
  }),
  ipv4_gateway: field('ipv4Gateway', 'string'),
  ipv6_gateway: field('ipv6Gateway', 'string'),
  dns_server_list: field('dnsServerList', 'strings'),
  dns_suffix_list: field('dnsSuffixList', 'strings'),
}
