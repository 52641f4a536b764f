import { dropEmpty, finishCommunicator, keyValue, sshFields, withTagBlocks, COMMUNICATOR_VALUES } from './common.js'
import { allUnsupported, field, ignored, noted, sameNames, unsupported, type FieldTable, type PluginMapping } from './table.js'

const filters: FieldTable = { filters: field('filters', 'any') }
const filterBlocks = unsupported('write the filters as a map: filters = { "tag:Name" = "x" }')

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
/** Packer's run_volume_tag blocks say `name` where the others say `key`. */
const nameValue: FieldTable = { name: field('key', 'string'), value: field('value', 'string') }

/** Packer's amazon-ebs builder -> `amazonEbs` from @tsimg/builder-aws. */
export const amazonEbsBuilder: PluginMapping = {
  kind: 'source',
  packerType: 'amazon-ebs',
  module: '@tsimg/builder-aws',
  factory: 'amazonEbs',
  generated: ['ID', 'Host', 'Port', 'User', 'SourceImage', 'SourceAMI', 'SourceAMIName', 'BuildRegion', ...COMMUNICATOR_VALUES],
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
      snapshot_users: 'strings',
      snapshot_groups: 'strings',
      ami_product_codes: 'strings',
      imds_support: 'string',
    }),
    ...Object.fromEntries(
      Object.entries(TAG_BLOCKS).map(([k, option]) => [
        k,
        noted(field(`__${k}`, { list: k === 'run_volume_tag' ? nameValue : keyValue }), `HCL blocks, each adding one entry to ${option}`),
      ]),
    ),
    token: field('sessionToken', 'string'),
    custom_endpoint_ec2: field('endpoint', 'string'),
    security_group_id: noted(
      field('securityGroupIds', 'string', (v) => [v]),
      'one group: security_group_ids = [it]',
    ),
    source_ami_filter: field('sourceAmiFilter', {
      object: {
        ...filters,
        owners: field('owners', 'strings'),
        most_recent: field('mostRecent', 'bool'),
        include_deprecated: unsupported('not supported yet: deprecated AMIs are never chosen'),
      },
    }),
    vpc_filter: field('vpcFilter', { object: { ...filters, filter: filterBlocks } }),
    subnet_filter: field('subnetFilter', {
      object: { ...filters, filter: filterBlocks, most_free: field('mostFree', 'bool'), random: field('random', 'bool') },
    }),
    launch_block_device_mappings: field('launchBlockDeviceMappings', { list: blockDevice }),
    ami_block_device_mappings: field('amiBlockDeviceMappings', { list: blockDevice }),
    metadata_options: field('metadataOptions', {
      object: {
        ...sameNames({ http_endpoint: 'string', http_tokens: 'string', http_put_response_hop_limit: 'int' }),
        instance_metadata_tags: unsupported('not supported yet: instance tags are not in the metadata'),
      },
    }),
    aws_polling: noted(
      field('__polling', { object: { delay_seconds: field('pollDelay', 'int', (v) => `${String(v)}s`), max_attempts: field('pollAttempts', 'int') } }),
      'delay_seconds -> pollDelay, max_attempts -> pollAttempts',
    ),
    spot_price: unsupported('spot instances are not supported yet: tsimg launches on-demand instances'),
    spot_instance_types: unsupported('spot instances are not supported yet: tsimg launches on-demand instances'),
    assume_role: unsupported("use a profile (profile) or the SDK's environment credentials for role assumption"),
    vault_aws_engine: unsupported("Vault credentials are not supported: use the SDK's default credential chain"),
    session_manager_port: unsupported('tsimg connects over SSH only (no Session Manager)'),
    ena_support: unsupported("not supported yet: the AMI keeps the source AMI's ENA attribute"),
    sriov_support: unsupported("not supported yet: the AMI keeps the source AMI's SR-IOV attribute"),
    skip_profile_validation: ignored('tsimg does not look up iam_instance_profile before the launch: RunInstances checks it'),
    skip_region_validation: ignored('tsimg does not check region names before the build: the first call to a region does'),
    ami_virtualization_type: ignored(
      "amazon-ebs makes the AMI with CreateImage, which keeps the source AMI's virtualization type (Packer reads it only for chroot and surrogate builds)",
    ),
    skip_credential_validation: unsupported(
      'tsimg asks for the account (STS GetCallerIdentity) before creating anything, to journal what it creates for `tsimg cleanup`',
    ),
    shared_credentials_file: unsupported('set AWS_SHARED_CREDENTIALS_FILE for the build (the SDK reads it), with profile if needed'),
    mfa_code: unsupported('MFA codes are not supported: use a profile whose credentials are already cached'),
    decode_authorization_messages: unsupported(
      'not supported: the encoded message is shown as EC2 returns it (`aws sts decode-authorization-message` decodes it)',
    ),
    insecure_skip_tls_verify: unsupported('TLS verification cannot be turned off'),
    skip_metadata_api_check: unsupported("not supported: the SDK's default credential chain decides whether to ask the instance metadata service"),
    ...allUnsupported('sharing with AWS Organizations is not supported yet: share with accounts (ami_users)', ['ami_org_arns', 'ami_ou_arns']),
    snapshot_copy_duration_minutes: unsupported('time-based copies are not supported: copies use the default copy'),
    region_kms_key_ids: unsupported('not supported yet: one kms_key_id applies to every copy'),
    skip_save_build_region: unsupported('not supported yet: the AMI is kept in the build region'),
    deprecate_at: unsupported('not supported yet: deprecate the AMI afterwards (`aws ec2 enable-image-deprecation`)'),
    deregistration_protection: unsupported('not supported yet: enable it afterwards (`aws ec2 enable-image-deregistration-protection`)'),
    ...allUnsupported('spot instances are not supported yet: tsimg launches on-demand instances', [
      'block_duration_minutes',
      'spot_allocation_strategy',
      'spot_price_auto_product',
      'spot_tags',
      'spot_tag',
    ]),
    ...allUnsupported('tsimg launches with RunInstances, not EC2 Fleet (Packer uses a fleet for spot instances)', ['fleet_tags', 'fleet_tag']),
    ...allUnsupported('capacity reservations are not supported yet', [
      'capacity_reservation_preference',
      'capacity_reservation_id',
      'capacity_reservation_group_arn',
    ]),
    ...allUnsupported("not supported yet: the instance launches with the instance type's defaults", [
      'ebs_optimized',
      'enable_nitro_enclave',
      'enable_t2_unlimited',
      'enable_unlimited_credits',
      'placement',
      'tenancy',
      'license_specifications',
      'no_ephemeral',
    ]),
    temporary_iam_instance_profile_policy_document: unsupported('temporary IAM instance profiles are not supported: give an existing iam_instance_profile'),
    security_group_filter: unsupported('not supported yet: give security_group_ids (or let tsimg make a temporary group)'),
    temporary_security_group_source_public_ip: unsupported('not supported: give your address in temporary_security_group_source_cidrs'),
    skip_ami_run_tags: unsupported('not supported yet: the AMI gets tags, never run_tags'),
    ...allUnsupported('Windows is not supported: tsimg connects over SSH and runs POSIX shells', ['windows_password_timeout', 'fast_launch']),
    pause_before_ssm: unsupported('tsimg connects over SSH only (no Session Manager)'),
  },
  finish(options) {
    const { __polling: polling, ...rest } = options
    // A converted image.ts reads credentials from variables that may be "" (Packer's unset).
    return dropEmpty(finishCommunicator(withTagBlocks({ ...rest, ...((polling as Record<string, unknown> | undefined) ?? {}) }, TAG_BLOCKS)), [
      'accessKey',
      'secretKey',
      'sessionToken',
      'region',
      'profile',
    ])
  },
}
