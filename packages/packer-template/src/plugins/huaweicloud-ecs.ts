import { dropEmpty, finishCommunicator, sshFields, COMMUNICATOR_VALUES } from './common.js'
import { allUnsupported, field, noted, sameNames, unsupported, type PluginMapping } from './table.js'

/** Packer's huaweicloud-ecs builder -> `huaweicloudEcs` from @tsimg/builder-huawei. */
export const huaweicloudEcsBuilder: PluginMapping = {
  kind: 'source',
  packerType: 'huaweicloud-ecs',
  module: '@tsimg/builder-huawei',
  factory: 'huaweicloudEcs',
  // Set by the server step and core's SSH step.
  generated: ['ID', 'Host', 'Port', 'User', ...COMMUNICATOR_VALUES],
  fields: {
    ...sshFields,
    ...sameNames({
      region: 'string',
      access_key: 'string',
      secret_key: 'string',
      security_token: 'string',
      project_id: 'string',
      enterprise_project_id: 'string',
      max_retries: 'int',
      flavor: 'string',
      availability_zone: 'string',
      source_image: 'string',
      source_image_name: 'string',
      vpc_id: 'string',
      subnets: 'strings',
      security_groups: 'strings',
      temporary_security_group_source_cidrs: 'strings',
      eip_type: 'string',
      eip_bandwidth_size: 'int',
      floating_ip: 'string',
      reuse_ips: 'bool',
      user_data: 'string',
      user_data_file: 'string',
      instance_name: 'string',
      instance_metadata: 'map',
      volume_type: 'string',
      volume_size: 'int',
      ssh_keypair_name: 'string',
      image_name: 'string',
      image_description: 'string',
      image_tags: 'map',
      image_members: 'strings',
      wait_image_ready_timeout: 'duration',
      skip_create_image: 'bool',
    }),
    // Packer's per-service endpoints; tsimg's are named after the services it calls.
    endpoints: field('endpoints', 'map'),
    // Packer's filters is a block (or an object in JSON) of the IMS query's name, owner, visibility and tag.
    source_image_filter: field('sourceImageFilter', {
      object: {
        filters: field('filters', { object: sameNames({ name: 'string', owner: 'string', visibility: 'string', tag: 'string' }) }),
        most_recent: field('mostRecent', 'bool'),
      },
    }),
    kms_key_id: field('kmsKeyId', 'string'),
    data_disks: field('dataDisks', {
      list: {
        ...sameNames({ volume_type: 'string', volume_size: 'int', data_image_id: 'string', snapshot_id: 'string', kms_key_id: 'string' }),
        volume_id: unsupported(
          'attaching an existing EVS volume is not supported: Packer looks it up with EVS in the availability zone, attaches it to the server and images it with the server; tsimg has no EVS client, and its emulator no EVS volumes to prove one against. For a disk made with the server, give volume_size (with snapshot_id or data_image_id to fill it)',
        ),
      },
    }),
    ssh_ip_version: noted(field('__sshIpVersion', 'string'), '"4" (IPv4, what tsimg connects over); "6" is refused'),
    associate_public_ip_address: noted(
      field('__associatePublicIp', 'bool'),
      'true (the default) allows an EIP; false refuses eip_type, floating_ip and reuse_ips, as Packer does',
    ),
    image_type: noted(field('__imageType', 'string'), '"system" (a system-disk image, what tsimg makes); the others are refused'),
    ...allUnsupported('not supported yet: give project_id, region and endpoints', ['project_name', 'auth_url', 'cloud']),
    insecure: unsupported('TLS verification cannot be turned off'),
    image_auto_accept_members: unsupported('not supported yet: the members accept the shared image themselves'),
    ...allUnsupported('spot servers are not supported yet: tsimg creates pay-per-use servers', ['spot_pricing', 'spot_maximum_price']),
    vault_id: unsupported('full-ECS images (with a CBR vault) are not supported yet: tsimg makes system-disk images'),
    vpc_ids: unsupported('give one vpc_id with its subnets'),
    networks: unsupported("give the subnets with vpc_id (Packer's neutron networks are not supported)"),
    ssh_interface: unsupported('without eip_type, floating_ip or reuse_ips the fixed (private) address is used; else set ssh_host'),
  },
  fromEnv: [{ option: 'endpoint', variable: 'TSIMG_HUAWEI_ENDPOINT', unless: ['endpoints'] }],
  finish: (options) => dropEmpty(finishCommunicator(huaweiChoices(options)), ['accessKey', 'secretKey', 'securityToken', 'region', 'availabilityZone']),
}

/** Packer's image_type, ssh_ip_version and associate_public_ip_address: checked as Packer checks them, then dropped. */
function huaweiChoices(options: Record<string, unknown>): Record<string, unknown> {
  const { __sshIpVersion: ipVersion, __associatePublicIp: publicIp, __imageType: imageType, ...rest } = options
  if (ipVersion !== undefined && ipVersion !== '4') {
    throw new Error(
      ipVersion === '6'
        ? 'ssh_ip_version "6" is not supported: tsimg connects over IPv4 (leave it out or set "4")'
        : `ssh_ip_version must be either 4 or 6, got ${JSON.stringify(ipVersion)}`,
    )
  }
  if (publicIp === false) {
    const eip = ['eipType', 'floatingIp', 'reuseIps'].filter((k) => rest[k] !== undefined && rest[k] !== false)
    if (eip.length) throw new Error(`associate_public_ip_address = false denies an EIP, but ${eip.map(snake).join(', ')} asks for one: remove one of them`)
  }
  if (imageType === undefined && Array.isArray(rest.dataDisks) && rest.dataDisks.length) {
    // Packer's huaweicloud-ecs then makes data-disk images only, and tsimg a system-disk image.
    throw new Error(
      'with data_disks and no image_type, Packer makes data-disk images, which tsimg does not: set image_type = "system" for a system-disk image (the data disks are used while building)',
    )
  }
  if (imageType !== undefined && imageType !== 'system') {
    const known = ['system', 'data-disk', 'system-data', 'full-ecs']
    throw new Error(
      known.includes(String(imageType))
        ? `image_type "${String(imageType)}" is not supported yet: tsimg makes system-disk images (image_type "system")`
        : `expected image_type to be one of ${known.join(', ')}, got ${JSON.stringify(imageType)}`,
    )
  }
  return rest
}

const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
