import { provisionerFields } from './common.js'
import { shellLocalFields } from './post-processors.js'
import { field, noted, sameNames, unsupported, type PluginMapping } from './table.js'

/** Packer's shell provisioner -> `shell` from @tsimg/provisioner-shell. */
export const shellProvisioner: PluginMapping = {
  kind: 'provisioner',
  packerType: 'shell',
  module: '@tsimg/provisioner-shell',
  factory: 'shell',
  fields: {
    ...provisionerFields,
    ...sameNames({
      inline: 'strings',
      script: 'string',
      scripts: 'strings',
      environment_vars: 'strings',
      env_var_format: 'string',
      execute_command: 'string',
      remote_folder: 'string',
      remote_file: 'string',
      remote_path: 'string',
      expect_disconnect: 'bool',
      valid_exit_codes: 'ints',
      start_retry_timeout: 'duration',
      skip_clean: 'bool',
      inline_shebang: 'string',
      binary: 'bool',
    }),
    env: field('environmentVars', 'map'),
    use_env_var_file: unsupported('environment variables are passed through execute_command ({{.Vars}})'),
    pause_after: field('pauseAfter', 'duration'),
  },
}

/** Packer's file provisioner -> `file` from @tsimg/provisioner-file. */
export const fileProvisioner: PluginMapping = {
  kind: 'provisioner',
  packerType: 'file',
  module: '@tsimg/provisioner-file',
  factory: 'file',
  fields: {
    ...provisionerFields,
    ...sameNames({ source: 'string', sources: 'strings', content: 'string', destination: 'string', direction: 'string', generated: 'bool' }),
  },
}

/** Packer's breakpoint provisioner -> `breakpoint` from @tsimg/core. */
export const breakpointProvisioner: PluginMapping = {
  kind: 'provisioner',
  packerType: 'breakpoint',
  module: '@tsimg/core',
  factory: 'breakpoint',
  fields: { ...provisionerFields, ...sameNames({ note: 'string', disable: 'bool' }) },
}

/** Packer's shell-local provisioner -> `shellLocalProvisioner` from @tsimg/core. */
export const shellLocalProvisioner: PluginMapping = {
  kind: 'provisioner',
  packerType: 'shell-local',
  module: '@tsimg/core',
  factory: 'shellLocalProvisioner',
  fields: { ...provisionerFields, ...shellLocalFields },
}

/** Packer's ansible provisioner -> `ansible` from @tsimg/provisioner-ansible. */
export const ansibleProvisioner: PluginMapping = {
  kind: 'provisioner',
  packerType: 'ansible',
  module: '@tsimg/provisioner-ansible',
  factory: 'ansible',
  // Its inventory template's {{ .HostAlias }}, {{ .Host }}, {{ .User }}, {{ .Port }} are the provisioner's own (its local SSH endpoint).
  selfFilled: ['inventoryFileTemplate'],
  fields: {
    ...provisionerFields,
    ...sameNames({
      playbook_file: 'string',
      user: 'string',
      groups: 'strings',
      empty_groups: 'strings',
      host_alias: 'string',
      extra_arguments: 'strings',
      ansible_env_vars: 'strings',
      ansible_ssh_extra_args: 'strings',
      inventory_file_template: 'string',
      inventory_directory: 'string',
      keep_inventory_file: 'bool',
      roles_path: 'string',
      collections_path: 'string',
      galaxy_file: 'string',
      galaxy_command: 'string',
      galaxy_force_install: 'bool',
      galaxy_force_with_deps: 'bool',
      command: 'string',
      skip_version_check: 'bool',
      use_proxy: 'bool',
      local_port: 'int',
      sftp_command: 'string',
      use_sftp: 'bool',
    }),
    ssh_host_key_file: unsupported("the local endpoint's host key is made per run"),
    ssh_authorized_key_file: unsupported('the local endpoint admits a one-time key made per run'),
    ansible_proxy_key_type: unsupported("the local endpoint's keys are ed25519"),
    inventory_file: unsupported('tsimg writes the inventory; use inventory_directory for group_vars and host_vars'),
    ansible_winrm_use_http: unsupported('WinRM is not supported: tsimg connects over SSH only'),
  },
}

/** Why the goss provisioner's download and upload options change nothing in tsimg. */
const NO_BINARY = 'accepted and not used: tsimg downloads and uploads no goss binary; the checks run as shell probes over the connection'

/**
 * Packer's goss provisioner (YaleUniversity/packer-provisioner-goss) -> `goss` from
 * @tsimg/provisioner-goss: the same goss files and variables, checked over the connection.
 */
export const gossProvisioner: PluginMapping = {
  kind: 'provisioner',
  packerType: 'goss',
  module: '@tsimg/provisioner-goss',
  factory: 'goss',
  fields: {
    ...provisionerFields,
    ...sameNames({
      tests: 'strings',
      goss_file: 'string',
      vars_file: 'string',
      vars_env: 'map',
      vars_inline: 'any',
      retry_timeout: 'duration',
      sleep: 'duration',
      use_sudo: 'bool',
      format: 'string',
      format_options: 'string',
      inspect: 'bool',
      target_os: 'string',
    }),
    url: noted(field('url', 'string'), NO_BINARY),
    version: noted(field('version', 'string'), NO_BINARY),
    arch: noted(field('arch', 'string'), NO_BINARY),
    download_path: noted(field('downloadPath', 'string'), NO_BINARY),
    skip_install: noted(field('skipInstall', 'bool'), NO_BINARY),
    remote_folder: noted(field('remoteFolder', 'string'), NO_BINARY),
    remote_path: noted(field('remotePath', 'string'), NO_BINARY),
    skip_ssl: noted(field('skipSsl', 'bool'), NO_BINARY),
    username: noted(field('username', 'string'), NO_BINARY),
    password: noted(field('password', 'string'), NO_BINARY),
    debug: unsupported('goss debug output is not written; use inspect = true to print the rendered gossfile'),
  },
}
