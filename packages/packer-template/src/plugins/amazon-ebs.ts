import { finishCommunicator, sshFields } from './common.js'
import { field, sameNames, unsupported, type FieldTable, type PluginMapping } from './table.js'

const filters: FieldTable = { filters: field('filters', 'any') }

const blockDevice: FieldTable = sameNames({
  device_name: 'string',
  volume_size: 'int',
  volume_type: 'string',
  delete_on_termination: 'bool',
  encrypted: 'bool',
  iops: 'int',
  throughput: 'int',
  snapshot_id: 'string',
  kms_key_id: 'string',
  virtual_name: 'string',
  no_device: 'bool',
})

/**
 * Packer's HCL-only repeatable `tag { key = ..., value = ... }` blocks (often written with
 * `dynamic "tag"`): each adds one entry to the map option of the same tags, over the map's own.
 */
const TAG_BLOCKS: Readonly<Record<string, string>> = { tag: 'tags', run_tag: 'runTags', run_volume_tag: 'runVolumeTags', snapshot_tag: 'snapshotTags' }
const keyValue: FieldTable = sameNames({ key: 'string', value: 'string' })

function withTagBlocks(options: Record<string, unknown>): Record<string, unknown> {
  const out = { ...options }
  for (const [block, option] of Object.entries(TAG_BLOCKS)) {
    const list = out[`__${block}`] as { key?: string; value?: string }[] | undefined
    delete out[`__${block}`]
    if (!list) continue
    for (const kv of list) if (!kv.key) throw new Error(`a ${block} block needs a key`)
    out[option] = { ...((out[option] as Record<string, string> | undefined) ?? {}), ...Object.fromEntries(list.map((kv) => [kv.key!, kv.value ?? ''])) }
  }
  return out
}

/** Packer's amazon-ebs builder -> `amazonEbs` from @tsimg/builder-aws. */
export const amazonEbsBuilder: PluginMapping = {
  kind: 'source',
  packerType: 'amazon-ebs',
  module: '@tsimg/builder-aws',
  factory: 'amazonEbs',
  generated: ['ID', 'Host', 'Port', 'User', 'SourceImage', 'SourceAMI', 'SourceAMIName', 'BuildRegion'],
  // Read by the steps after the source AMI is known (the builder keeps this options object).
  late: ['tags', 'snapshotTags', 'runTags', 'runVolumeTags', 'amiDescription'],
  fields: {
    ...sshFields,
    ...sameNames({
      region: 'string',
      access_key: 'string',
      secret_key: 'string',
      profile: 'string',
      max_retries: 'int',
      source_ami: 'string',
      instance_type: 'string',
      availability_zone: 'string',
      vpc_id: 'string',
      subnet_id: 'string',
      security_group_ids: 'strings',
      temporary_security_group_source_cidrs: 'strings',
      associate_public_ip_address: 'bool',
      ssh_interface: 'string',
      ssh_keypair_name: 'string',
      user_data: 'string',
      user_data_file: 'string',
      iam_instance_profile: 'string',
      run_tags: 'map',
      run_volume_tags: 'map',
      shutdown_behavior: 'string',
      disable_stop_instance: 'bool',
      ami_name: 'string',
      ami_description: 'string',
      tags: 'map',
      snapshot_tags: 'map',
      ami_regions: 'strings',
      ami_users: 'strings',
      ami_groups: 'strings',
      encrypt_boot: 'bool',
      kms_key_id: 'string',
      force_deregister: 'bool',
      force_delete_snapshot: 'bool',
      skip_create_ami: 'bool',
    }),
    ...Object.fromEntries(Object.keys(TAG_BLOCKS).map((k) => [k, field(`__${k}`, { list: keyValue })])),
    token: field('sessionToken', 'string'),
    custom_endpoint_ec2: field('endpoint', 'string'),
    security_group_id: field('securityGroupIds', 'string', (v) => [v]),
    source_ami_filter: field('sourceAmiFilter', { object: { ...filters, owners: field('owners', 'strings'), most_recent: field('mostRecent', 'bool') } }),
    vpc_filter: field('vpcFilter', { object: filters }),
    subnet_filter: field('subnetFilter', { object: { ...filters, most_free: field('mostFree', 'bool'), random: field('random', 'bool') } }),
    launch_block_device_mappings: field('launchBlockDeviceMappings', { list: blockDevice }),
    ami_block_device_mappings: field('amiBlockDeviceMappings', { list: blockDevice }),
    metadata_options: field('metadataOptions', {
      object: sameNames({ http_endpoint: 'string', http_tokens: 'string', http_put_response_hop_limit: 'int' }),
    }),
    aws_polling: field('__polling', { object: { delay_seconds: field('pollDelay', 'int', (v) => `${String(v)}s`), max_attempts: field('pollAttempts', 'int') } }),
    spot_price: unsupported('spot instances are not supported yet: tsimg launches on-demand instances'),
    spot_instance_types: unsupported('spot instances are not supported yet: tsimg launches on-demand instances'),
    assume_role: unsupported('use a profile (profile) or the SDK\'s environment credentials for role assumption'),
    vault_aws_engine: unsupported('Vault credentials are not supported: use the SDK\'s default credential chain'),
    session_manager_port: unsupported('tsimg connects over SSH only (no Session Manager)'),
    ena_support: unsupported('not supported yet'),
    sriov_support: unsupported('not supported yet'),
  },
  finish(options) {
    const { __polling: polling, ...rest } = options
    return finishCommunicator(withTagBlocks({ ...rest, ...((polling as Record<string, unknown> | undefined) ?? {}) }))
  },
}
