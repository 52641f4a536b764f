import { sshOptionsSchema } from '@tsimg/core/plugin'
import { z } from 'zod'

/** A duration: milliseconds, or a string such as `'500ms'`, `'5s'`, `'2m'`. */
const duration = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'expected a duration like 500ms, 5s, 2m')])
const tags = z.record(z.string(), z.string())
const diskCategory = z.enum(['cloud', 'cloud_efficiency', 'cloud_ssd', 'cloud_essd', 'cloud_auto', 'cloud_essd_entry'])

/** Packer's `system_disk_mapping` / `image_disk_mappings` entries. */
const diskMapping = z.strictObject({
  /** Packer: `disk_category` */
  diskCategory: diskCategory.optional(),
  /** Packer: `disk_size` (GiB) */
  diskSize: z.number().int().positive().optional(),
  /** Packer: `disk_name` */
  diskName: z.string().optional(),
  /** Packer: `disk_description` */
  diskDescription: z.string().optional(),
  /** Packer: `disk_snapshot_id` */
  diskSnapshotId: z.string().optional(),
  /** Packer: `disk_device` */
  diskDevice: z.string().optional(),
  /** Packer: `disk_delete_with_instance` */
  diskDeleteWithInstance: z.boolean().optional(),
  /** Packer: `disk_encrypted` */
  diskEncrypted: z.boolean().optional(),
})

/** Alibaba image names: 2-128 characters, a letter first, no http(s):// (checked before anything is made). */
const imageName = z
  .string()
  .regex(
    /^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5._:{}` -]{1,127}$/,
    'an image name has 2-128 characters, starts with a letter and holds letters, digits, ".", "_", ":" and "-"',
  )
  .refine((s) => !/^https?:\/\//.test(s), 'an image name must not start with http:// or https://')

/** Packer alicloud-ecs's options in camelCase; each comment gives the Packer name. */
export const alicloudOptionsShape = {
  /** Packer: `access_key` (else ALICLOUD_ACCESS_KEY, else the CLI profile) */
  accessKey: z.string().min(1).optional(),
  /** Packer: `secret_key` (else ALICLOUD_SECRET_KEY) */
  secretKey: z.string().min(1).optional(),
  /** Packer: `security_token` (else ALICLOUD_SECURITY_TOKEN) */
  securityToken: z.string().min(1).optional(),
  /** Packer: `region` (else ALICLOUD_REGION, else the CLI profile's region) */
  region: z.string().min(1).optional(),
  /** Packer: `profile` (a profile of the Alibaba Cloud CLI; else ALICLOUD_PROFILE) */
  profile: z.string().min(1).optional(),
  /** Packer: `shared_credentials_file` (default ~/.aliyun/config.json) */
  sharedCredentialsFile: z.string().min(1).optional(),
  /** Packer: `custom_endpoint_ecs` (one endpoint for ECS and VPC: an emulator or a private endpoint) */
  endpoint: z.string().min(1).optional(),
  /** Packer: `skip_region_validation` */
  skipRegionValidation: z.boolean().default(false),
  /** Packer: `skip_image_validation` (sourceImage is used as given, not looked up; needs sourceImage) */
  skipImageValidation: z.boolean().default(false),

  /** Packer: `source_image` (an ImageId, e.g. centos_7_06_64_20G_alibase_20190711.vhd) */
  sourceImage: z.string().min(1).optional(),
  /** Packer: `image_family` of the source (the newest image of the family) */
  sourceImageFamily: z.string().min(1).optional(),
  /** A name pattern (`*` wildcard) of the source; the newest match wins. */
  sourceImageName: z.string().min(1).optional(),
  /** Packer: `instance_type` */
  instanceType: z.string().regex(/^ecs\.[a-z0-9-]+\.[a-z0-9-]+$/, 'an ECS instance type looks like ecs.g7.large'),
  /** Packer: `zone_id` (default: the first zone offering instanceType) */
  zoneId: z.string().min(1).optional(),
  /** Packer: `io_optimized` */
  ioOptimized: z.boolean().optional(),
  /** Packer: `instance_name` */
  instanceName: z.string().min(1).optional(),
  /** Packer: `description` (of the instance) */
  description: z.string().optional(),
  /** Packer: `run_tags` */
  runTags: tags.default({}),
  /** Packer: `user_data` */
  userData: z.string().optional(),
  /** Packer: `user_data_file` */
  userDataFile: z.string().optional(),
  /** Packer: `ram_role_name` */
  ramRoleName: z.string().min(1).optional(),
  /** Packer: `system_disk_mapping` */
  systemDiskMapping: diskMapping.optional(),
  /** Packer: `image_disk_mappings` (data disks of the instance and the image) */
  imageDiskMappings: z.array(diskMapping).default([]),

  /** Packer: `vpc_id` (else a temporary VPC) */
  vpcId: z.string().min(1).optional(),
  /** Packer: `vpc_name` */
  vpcName: z.string().min(1).optional(),
  /** Packer: `vpc_cidr_block` (default 172.16.0.0/16) */
  vpcCidrBlock: z.string().default('172.16.0.0/16'),
  /** Packer: `vswitch_id` (else a temporary vSwitch) */
  vswitchId: z.string().min(1).optional(),
  /** Packer: `vswitch_name` */
  vswitchName: z.string().min(1).optional(),
  /** Packer: `cidr_block` (of the temporary vSwitch, default 172.16.0.0/24) */
  cidrBlock: z.string().default('172.16.0.0/24'),
  /** Packer: `security_group_id` (else a temporary group) */
  securityGroupId: z.string().min(1).optional(),
  /** Packer: `security_group_name` */
  securityGroupName: z.string().min(1).optional(),
  /** CIDRs allowed to reach SSH on the temporary group (Packer opens everything). */
  temporarySecurityGroupSourceCidrs: z.array(z.string()).min(1).default(['0.0.0.0/0']),
  /** Packer: `associate_public_ip_address` (a public address without an EIP) */
  associatePublicIpAddress: z.boolean().default(false),
  /** Packer: `internet_charge_type` */
  internetChargeType: z.enum(['PayByTraffic', 'PayByBandwidth']).default('PayByTraffic'),
  /** Packer: `internet_max_bandwidth_out` (Mbit/s) */
  internetMaxBandwidthOut: z.number().int().nonnegative().optional(),
  /** Packer: `ssh_private_ip` (connect over the private address: no EIP, no public address) */
  sshPrivateIp: z.boolean().default(false),

  /** Packer: `disable_stop_instance` (the provisioning stopped it, or it must stay running) */
  disableStopInstance: z.boolean().default(false),
  /** Packer: `force_stop_instance` */
  forceStopInstance: z.boolean().default(false),
  /** Packer: `image_name` */
  imageName,
  /** Packer: `image_version` */
  imageVersion: z.string().optional(),
  /** Packer: `image_description` */
  imageDescription: z.string().optional(),
  /** Packer: `image_family` (of the new image) */
  imageFamily: z.string().optional(),
  /** Packer: `tags` (on the image and its snapshots) */
  tags: tags.default({}),
  /** Packer: `image_force_delete` (an image of the same name is deleted first; tsimg's -force does too) */
  imageForceDelete: z.boolean().default(false),
  /** Packer: `image_force_delete_snapshots` */
  imageForceDeleteSnapshots: z.boolean().default(false),
  /** Packer: `image_ignore_data_disks` (image of the system disk only, via a snapshot) */
  imageIgnoreDataDisks: z.boolean().default(false),
  /** Packer: `image_copy_regions` */
  imageCopyRegions: z.array(z.string().min(1)).default([]),
  /** Packer: `image_copy_names` (one per copy region) */
  imageCopyNames: z.array(imageName).default([]),
  /** Packer: `image_encrypted` (of the copies) */
  imageEncrypted: z.boolean().optional(),
  /** Packer: `image_share_account` */
  imageShareAccount: z.array(z.string().regex(/^\d+$/, 'an Alibaba account id is digits')).default([]),
  /** Packer: `image_unshare_account` */
  imageUnshareAccount: z.array(z.string().regex(/^\d+$/, 'an Alibaba account id is digits')).default([]),
  /** Packer: `wait_snapshot_ready_timeout` (default 3600 s) */
  waitSnapshotReadyTimeout: duration.default('1h'),
  /** Packer: `wait_copying_image_ready_timeout` */
  waitCopyingImageReadyTimeout: duration.default('1h'),
  /** How often state is polled (Packer: 5 s) */
  pollDelay: duration.default('5s'),
  /** Retries per API call (tsimg's own; the SDK makes none) */
  maxRetries: z.number().int().nonnegative().default(9),
  /** Packer: `communicator`: only 'ssh' (or 'none') until WinRM exists in tsimg */
  communicator: z.enum(['ssh', 'none', 'winrm']).default('ssh'),
}

/** alicloud-ecs options: the Alibaba ones plus core's SSH communicator options. */
export const alicloudEcsSchema = z
  .strictObject({ ...sshOptionsSchema.shape, ...alicloudOptionsShape })
  .refine((o) => o.communicator !== 'winrm', {
    message: "communicator 'winrm' is not supported yet: tsimg has no WinRM communicator (Windows images cannot be built with alicloud-ecs for now)",
    path: ['communicator'],
  })
  .refine((o) => [o.sourceImage, o.sourceImageFamily, o.sourceImageName].filter(Boolean).length === 1, {
    message: 'set exactly one of sourceImage, sourceImageFamily and sourceImageName',
    path: ['sourceImage'],
  })
  .refine((o) => !o.skipImageValidation || Boolean(o.sourceImage), {
    message: 'skipImageValidation uses sourceImage as given: it needs sourceImage (an image id), since sourceImageFamily and sourceImageName must be looked up',
    path: ['skipImageValidation'],
  })
  .refine((o) => !(o.userData && o.userDataFile), { message: 'set only one of userData and userDataFile', path: ['userDataFile'] })
  .refine((o) => !o.imageCopyNames.length || o.imageCopyNames.length === o.imageCopyRegions.length, {
    message: 'imageCopyNames needs one name per imageCopyRegions entry',
    path: ['imageCopyNames'],
  })
  .refine((o) => !(o.sshPrivateIp && o.associatePublicIpAddress), {
    message: 'sshPrivateIp connects without a public address: drop associatePublicIpAddress',
    path: ['sshPrivateIp'],
  })
  .refine((o) => !(o.securityGroupId && o.temporarySecurityGroupSourceCidrs.join() !== '0.0.0.0/0'), {
    message: 'temporarySecurityGroupSourceCidrs only applies without securityGroupId',
    path: ['temporarySecurityGroupSourceCidrs'],
  })

export type AlicloudEcsInput = z.input<typeof alicloudEcsSchema>
export type AlicloudEcsOptions = z.output<typeof alicloudEcsSchema>
