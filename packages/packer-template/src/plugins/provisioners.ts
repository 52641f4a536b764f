import { provisionerFields } from './common.js'
import { field, sameNames, unsupported, type PluginMapping } from './table.js'

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
  },
}

/** Packer's file provisioner -> `file` from @tsimg/provisioner-file. */
export const fileProvisioner: PluginMapping = {
  kind: 'provisioner',
  packerType: 'file',
  module: '@tsimg/provisioner-file',
  factory: 'file',
  fields: { ...provisionerFields, ...sameNames({ source: 'string', sources: 'strings', content: 'string', destination: 'string', direction: 'string', generated: 'bool' }) },
}

/** Packer's breakpoint provisioner -> `breakpoint` from @tsimg/core. */
export const breakpointProvisioner: PluginMapping = {
  kind: 'provisioner',
  packerType: 'breakpoint',
  module: '@tsimg/core',
  factory: 'breakpoint',
  fields: { ...provisionerFields, ...sameNames({ note: 'string', disable: 'bool' }) },
}
