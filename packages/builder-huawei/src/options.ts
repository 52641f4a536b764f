import { sshOptionsSchema } from '@tsimg/core/plugin'
import { z } from 'zod'

/** A duration: milliseconds, or a string such as `'500ms'`, `'5s'`, `'2m'`. */
const duration = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'expected a duration like 500ms, 5s, 2m')])

const tags = z.record(z.string(), z.string())

/** Packer: `data_disks` entries. */
const dataDisk = z.strictObject({
  /** Packer: `volume_type` (SSD, SAS, GPSSD...). */
  volumeType: z.string().min(1),
  /** Packer: `volume_size` (GiB). */
  volumeSize: z.number().int().min(10).max(32768),
  /** Packer: `data_image_id`: the disk is made from this data-disk image. */
  dataImageId: z.string().min(1).optional(),
  /** Packer: `snapshot_id`: the disk is made from this EVS snapshot. */
  snapshotId: z.string().min(1).optional(),
  /** Packer: `kms_key_id`: the KMS key that encrypts the disk. */
  kmsKeyId: z.string().min(1).optional(),
})

/** Packer: `source_image_filter` (IMS list query: name, visibility, owner, tag...); the newest match wins. */
const imageFilter = z.strictObject({
  /** Packer: `filters`: IMS query parameters (`name`, `visibility`, `__imagetype`, `__os_type`, `tag`...). */
  filters: z.record(z.string(), z.string()),
  /** Packer: `most_recent`: take the newest when several match (otherwise several is an error). */
  mostRecent: z.boolean().default(false),
})

/** The huaweicloud-ecs options (core's SSH options are merged in source.ts). Packer names in comments and the README. */
const huaweiOptionsShape = {
  ...sshOptionsSchema.shape,
  /** Packer: `region`. Defaults to HW_REGION_NAME. */
  region: z.string().min(1).optional(),
  /** Packer: `access_key`. Defaults to HW_ACCESS_KEY. */
  accessKey: z.string().min(1).optional(),
  /** Packer: `secret_key`. Defaults to HW_SECRET_KEY. Redacted everywhere, never journaled. */
  secretKey: z.string().min(1).optional(),
  /** Packer: `security_token` (temporary credentials). Defaults to HW_SECURITY_TOKEN. Redacted. */
  securityToken: z.string().min(1).optional(),
  /** Packer: `project_id`. Default: looked up in IAM by the region's name. */
  projectId: z.string().min(1).optional(),
  /** Packer: `enterprise_project_id`: given to the server, the image and the temporary VPC and group. */
  enterpriseProjectId: z.string().min(1).optional(),
  /** One endpoint for every service (the local emulator, a private cloud). Packer has none (it uses `endpoints`). */
  endpoint: z.string().url().optional(),
  /** Packer: `endpoints`: per service (`ecs`, `vpc`, `ims`, `eip`, `iam`); wins over `endpoint`. */
  endpoints: z
    .strictObject({ ecs: z.string().url(), vpc: z.string().url(), ims: z.string().url(), eip: z.string().url(), iam: z.string().url() })
    .partial()
    .optional(),
  /** Retries per API call on throttling, 5xx and no answer (one budget: the SDK itself never retries). */
  maxRetries: z.number().int().nonnegative().default(9),
  /** Time between state polls (jobs, server status). */
  pollDelay: duration.default('3s'),
  /** Polls before a wait (server job, stop) gives up. */
  pollAttempts: z.number().int().positive().default(400),

  /** Packer: `flavor`, e.g. `s6.large.2`. */
  flavor: z.string().min(1),
  /** Packer: `availability_zone`. Default: the first zone of the region that offers `flavor`. */
  availabilityZone: z.string().min(1).optional(),
  /** Packer: `source_image`: an image id. */
  sourceImage: z.string().min(1).optional(),
  /** Packer: `source_image_name`. */
  sourceImageName: z.string().min(1).optional(),
  /** Packer: `source_image_filter`. */
  sourceImageFilter: imageFilter.optional(),

  /** Packer: `vpc_id`. Without it a temporary VPC and subnet are made (and deleted). */
  vpcId: z.string().min(1).optional(),
  /** Packer: `subnets`: subnet (network) ids of vpcId; the first is the server's primary NIC. */
  subnets: z.array(z.string().min(1)).default([]),
  /** Packer: `vpc_cidr` / `subnet_cidr` analogues for the temporary network. */
  temporaryVpcCidr: z.string().default('172.16.0.0/16'),
  temporarySubnetCidr: z.string().default('172.16.0.0/24'),
  /** Packer: `security_groups`: ids. Without them a temporary group allows SSH from temporarySecurityGroupSourceCidrs. */
  securityGroups: z.array(z.string().min(1)).default([]),
  /** Packer: `temporary_security_group_source_cidrs`. */
  temporarySecurityGroupSourceCidrs: z.array(z.string().min(1)).min(1).default(['0.0.0.0/0']),

  /** Packer: `eip_type` (`5_bgp`, `5_sbgp`): buy an EIP with the server, released with it. */
  eipType: z.string().min(1).optional(),
  /** Packer: `eip_bandwidth_size` (Mbit/s) of that EIP. */
  eipBandwidthSize: z.number().int().min(1).max(2000).default(1),
  /** Packer: `floating_ip`: an existing EIP (its id or address) bound to the server, unbound afterwards, kept. */
  floatingIp: z.string().min(1).optional(),
  /** Packer: `reuse_ips`: bind an existing unbound EIP of the project, unbound afterwards, kept. */
  reuseIps: z.boolean().default(false),
  /** Packer: `ssh_ip_version` / `ssh_interface`: `public_ip` or `private_ip` (default: public when there is one). */
  sshInterface: z.enum(['public_ip', 'private_ip']).optional(),

  /** Packer: `user_data`. */
  userData: z.string().optional(),
  /** Packer: `user_data_file`. */
  userDataFile: z.string().optional(),
  /** Packer: `instance_name`. Default `tsimg-<build id>`. */
  instanceName: z.string().min(1).max(64).optional(),
  /** Packer: `instance_metadata`: server metadata. */
  instanceMetadata: tags.default({}),
  /** Packer: `volume_type` of the system disk. */
  volumeType: z.string().min(1).default('SSD'),
  /** Packer: `volume_size` of the system disk (GiB; default the image's). */
  volumeSize: z.number().int().min(1).max(1024).optional(),
  /** Packer: `kms_key_id`: the KMS key that encrypts the system disk. */
  kmsKeyId: z.string().min(1).optional(),
  /** Packer: `data_disks`. */
  dataDisks: z.array(dataDisk).max(23).default([]),
  /** Packer: `ssh_keypair_name` (with sshPrivateKeyFile); otherwise a key pair made locally. */
  sshKeypairName: z.string().min(1).optional(),
  /** Packer: `temporary_key_pair_type`. */
  temporaryKeyPairType: z.enum(['ed25519', 'rsa']).default('ed25519'),

  /** Packer: `image_name`. IMS's rule, checked before anything is made (IMS would refuse it only at CreateImage). */
  imageName: z
    .string()
    .regex(/^(?! )[\p{L}\p{N} ._-]{1,128}(?<! )$/u, 'IMS image names are 1-128 letters, digits, spaces, "-", "_" and "." (no space first or last)'),
  /** Packer: `image_description`. */
  imageDescription: z.string().max(1024).optional(),
  /** Packer: `image_tags`. */
  imageTags: tags.default({}),
  /** Packer: `image_members`: project ids the image is shared with. */
  imageMembers: z.array(z.string().regex(/^[0-9a-f]{32}$/, 'a project id: 32 hex digits')).default([]),
  /** Packer: `wait_image_ready_timeout`. */
  waitImageReadyTimeout: duration.default('30m'),
  /** Packer: `skip_create_image`. */
  skipCreateImage: z.boolean().default(false),
}

const count = (...xs: unknown[]): number => xs.filter(Boolean).length

/** huaweicloud-ecs options: the Huawei ones plus core's SSH options. */
export const huaweicloudEcsSchema = z
  .strictObject(huaweiOptionsShape)
  .refine((o) => count(o.sourceImage, o.sourceImageName, o.sourceImageFilter) === 1, {
    message: 'set exactly one of sourceImage, sourceImageName and sourceImageFilter',
    path: ['sourceImage'],
  })
  .refine((o) => !o.sshKeypairName || o.sshPrivateKeyFile, {
    message: 'sshKeypairName needs sshPrivateKeyFile (the private half of that key pair)',
    path: ['sshPrivateKeyFile'],
  })
  .refine((o) => !(o.userData && o.userDataFile), { message: 'set only one of userData and userDataFile', path: ['userDataFile'] })
  .refine((o) => count(o.eipType, o.floatingIp, o.reuseIps) <= 1, { message: 'set at most one of eipType, floatingIp and reuseIps', path: ['eipType'] })
  .refine((o) => !o.vpcId || o.subnets.length > 0, { message: 'vpcId needs subnets (at least one subnet id of that VPC)', path: ['subnets'] })
  .refine((o) => o.vpcId || o.subnets.length === 0, { message: 'subnets need vpcId', path: ['vpcId'] })

export type HuaweicloudEcsInput = z.input<typeof huaweicloudEcsSchema>
export type HuaweiEcsOptions = z.output<typeof huaweicloudEcsSchema>

/** Options or the environment (HW_ACCESS_KEY, HW_SECRET_KEY, HW_SECURITY_TOKEN, HW_REGION_NAME). */
export function credentialsOf(o: Pick<HuaweiEcsOptions, 'region' | 'accessKey' | 'secretKey' | 'securityToken'>) {
  return {
    region: o.region ?? process.env.HW_REGION_NAME,
    accessKey: o.accessKey ?? process.env.HW_ACCESS_KEY,
    secretKey: o.secretKey ?? process.env.HW_SECRET_KEY,
    securityToken: o.securityToken ?? process.env.HW_SECURITY_TOKEN,
  }
}
