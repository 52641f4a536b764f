import { allUnsupported, field, noted, sameNames, unsupported, type FieldTable, type PluginMapping } from './table.js'

/** Packer's shell-local options, the same for its provisioner and its post-processor. */
export const shellLocalFields: FieldTable = {
  ...sameNames({
    inline: 'strings',
    command: 'string',
    script: 'string',
    scripts: 'strings',
    environment_vars: 'strings',
    execute_command: 'strings',
    inline_shebang: 'string',
    only_on: 'strings',
    valid_exit_codes: 'ints',
  }),
  env: field('environmentVars', 'map'),
  env_var_format: unsupported('not supported yet: variables are set as VAR=value in the environment of the command'),
  ...allUnsupported('Windows is not supported: tsimg runs POSIX shells', ['tempfile_extension', 'use_linux_pathing']),
}

/** Options every Packer post-processor takes; only/except are applied by the loader. */
const common: FieldTable = {
  keep_input_artifact: noted(field('__keep', 'bool'), 'accepted: tsimg post-processors never delete their input'),
}

function dropKeep(options: Record<string, unknown>): Record<string, unknown> {
  // tsimg's post-processors never delete their input artifact, which is what keep_input_artifact asks.
  const { __keep: _keep, ...rest } = options
  return rest
}

/** Packer's manifest post-processor -> `manifest` from @tsimg/core. */
export const manifestPostProcessor: PluginMapping = {
  kind: 'post-processor',
  packerType: 'manifest',
  module: '@tsimg/core',
  factory: 'manifest',
  fields: {
    ...common,
    output: field('output', 'string'),
    strip_path: field('stripPath', 'bool'),
    strip_time: field('stripTime', 'bool'),
    custom_data: field('customData', 'map'),
  },
  finish: dropKeep,
}

/** Packer's shell-local post-processor -> `shellLocal` from @tsimg/core. */
export const shellLocalPostProcessor: PluginMapping = {
  kind: 'post-processor',
  packerType: 'shell-local',
  module: '@tsimg/core',
  factory: 'shellLocal',
  fields: { ...common, ...shellLocalFields },
  finish: dropKeep,
}

/** Packer's docker-tag post-processor -> `dockerTag` from @tsimg/builder-docker. */
export const dockerTagPostProcessor: PluginMapping = {
  kind: 'post-processor',
  packerType: 'docker-tag',
  module: '@tsimg/builder-docker',
  factory: 'dockerTag',
  fields: {
    ...common,
    docker_path: unsupported('tsimg runs `docker` from PATH'),
    repository: field('repository', 'string'),
    tags: field('tags', 'strings'),
    tag: field('tags', 'any', (v) => (typeof v === 'string' ? [v] : v)),
    force: field('force', 'bool'),
  },
  finish: dropKeep,
}
