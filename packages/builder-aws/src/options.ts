import { sshOptionsSchema } from '@tsimg/core/plugin'
import { z } from 'zod'

/** A duration: milliseconds, or a string such as `'500ms'`, `'5s'`, `'2m'`. */
const duration = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'expected a duration like 500ms, 5s, 2m')])

const tags = z.record(z.string(), z.string())

/** Packer's `filters = { name = "...", "virtualization-type" = "hvm" }`; a list means any of. */
const filters = z.record(z.string(), z.union([z.string(), z.array(z.string())]))

const blockDevice = z.strictObject({
  /** Packer: `device_name` */
  deviceName: z.string(),
  /** Packer: `volume_size` (GiB) */
  volumeSize: z.number().int().positive().optional(),
  /** Packer: `volume_type` */
  volumeType: z.enum(['standard', 'io1', 'io2', 'gp2', 'gp3', 'sc1', 'st1']).optional(),
  /** Packer: `delete_on_termination` */
  deleteOnTermination: z.boolean().optional(),
  /** Packer: `encrypted` */
  encrypted: z.boolean().optional(),
  /** Packer: `iops` */
  iops: z.number().int().positive().optional(),
  /** Packer: `throughput` */
  throughput: z.number().int().positive().optional(),
  /** Packer: `snapshot_id` */
  snapshotId: z.string().optional(),
  /** Packer: `kms_key_id` */
  kmsKeyId: z.string().optional(),
  /** Packer: `virtual_name` (ephemeral0...) */
  virtualName: z.string().optional(),
  /** Packer: `no_device` */
  noDevice: z.boolean().optional(),
})
export type BlockDevice = z.infer<typeof blockDevice>

/** The amazon-ebs options; SSH options come from core's sshOptionsSchema and are merged in source.ts. */
const awsOptionsShape = {
  /** Packer: `region`. Defaults to AWS_REGION / AWS_DEFAULT_REGION, then the shared config's (~/.aws/config); needed by the build, not by validate. */
  region: z.string().min(1).optional(),
  /** Packer: `access_key`. Without it the SDK's default chain (env, profile, SSO, IMDS) is used. */
  accessKey: z.string().min(1).optional(),
  /** Packer: `secret_key`. Redacted everywhere, never journaled. */
  secretKey: z.string().min(1).optional(),
  /** Packer: `token`. Redacted everywhere, never journaled. */
  sessionToken: z.string().min(1).optional(),
  /** Packer: `profile` (shared config/credentials file profile). */
  profile: z.string().min(1).optional(),
  /** Packer: `custom_endpoint_ec2`: an EC2-compatible endpoint (private clouds, the local emulator). */
  endpoint: z.string().url().optional(),
  /**
   * Packer: `max_retries`: retries per API call on throttling, 5xx and network errors (one
   * budget: the SDK's own retries are off, so they never multiply; each call also stops
   * retrying after 3 minutes).
   */
  maxRetries: z.number().int().nonnegative().default(9),
  /** Packer: `aws_polling.delay_seconds` / AWS_POLL_DELAY_SECONDS: time between state polls. */
  pollDelay: duration.default('5s'),
  /** Packer: `aws_polling.max_attempts` / AWS_MAX_ATTEMPTS: polls before a wait gives up. */
  pollAttempts: z.number().int().positive().default(360),
  /**
   * tsimg only: polls of the AMI waits (creation, copies), which can take far longer than an
   * instance start; defaults to pollAttempts.
   */
  imagePollAttempts: z.number().int().positive().optional(),

  /** Packer: `source_ami`. */
  sourceAmi: z.string().min(1).optional(),
  /** Packer: `source_ami_filter { filters, owners, most_recent }`. */
  sourceAmiFilter: z
    .strictObject({
      /** Packer: `filters` */
      filters: filters.default({}),
      /** Packer: `owners` (account ids, `self`, `amazon`, ...) */
      owners: z.array(z.string()).optional(),
      /** Packer: `most_recent`: pick the newest match instead of failing on several. */
      mostRecent: z.boolean().default(false),
    })
    .optional(),
  /** Packer: `instance_type`. */
  instanceType: z.string().min(1),
  /** Packer: `availability_zone`. */
  availabilityZone: z.string().min(1).optional(),
  /** Packer: `vpc_id`. */
  vpcId: z.string().min(1).optional(),
  /** Packer: `subnet_id`. */
  subnetId: z.string().min(1).optional(),
  /** Packer: `vpc_filter { filters }`. */
  vpcFilter: z.strictObject({ filters }).optional(),
  /** Packer: `subnet_filter { filters, most_free, random }`. */
  subnetFilter: z.strictObject({ filters, mostFree: z.boolean().default(false), random: z.boolean().default(false) }).optional(),
  /** Packer: `security_group_ids`: use these instead of a temporary group. */
  securityGroupIds: z.array(z.string().min(1)).optional(),
  /**
   * Packer: `temporary_security_group_source_cidrs`. Packer's default, `0.0.0.0/0`, opens SSH to
   * the world for the build's lifetime; set your own address range where you can.
   */
  temporarySecurityGroupSourceCidrs: z.array(z.string().regex(/^[0-9a-fA-F.:]+\/\d{1,3}$/, 'expected a CIDR like 203.0.113.7/32')).default(['0.0.0.0/0']),
  /** Packer: `associate_public_ip_address`. */
  associatePublicIpAddress: z.boolean().optional(),
  /** Packer: `ssh_interface`: which address of the instance to connect to. */
  sshInterface: z.enum(['public_ip', 'private_ip', 'public_dns', 'private_dns']).optional(),
  /** Packer: `ssh_keypair_name`: an existing key pair (with `sshPrivateKeyFile`). */
  sshKeypairName: z.string().min(1).optional(),
  /** Packer: `temporary_key_pair_type`. */
  temporaryKeyPairType: z.enum(['ed25519', 'rsa']).default('ed25519'),
  /** Packer: `user_data`. */
  userData: z.string().optional(),
  /** Packer: `user_data_file` (relative to the template). */
  userDataFile: z.string().optional(),
  /** Packer: `iam_instance_profile`. */
  iamInstanceProfile: z.string().min(1).optional(),
  /** Packer: `run_tags`: tags on the source instance. */
  runTags: tags.default({}),
  /** Packer: `run_volume_tags`: tags on the source instance's volumes. */
  runVolumeTags: tags.default({}),
  /** Packer: `launch_block_device_mappings`. */
  launchBlockDeviceMappings: z.array(blockDevice).default([]),
  /** Packer: `ami_block_device_mappings`. */
  amiBlockDeviceMappings: z.array(blockDevice).default([]),
  /** Packer: `metadata_options`. IMDSv2 (`httpTokens: 'required'`) by default, unlike Packer. */
  metadataOptions: z
    .strictObject({
      /** Packer: `http_endpoint` */
      httpEndpoint: z.enum(['enabled', 'disabled']).default('enabled'),
      /** Packer: `http_tokens` */
      httpTokens: z.enum(['optional', 'required']).default('required'),
      /** Packer: `http_put_response_hop_limit` */
      httpPutResponseHopLimit: z.number().int().min(1).max(64).default(1),
    })
    .default({ httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 }),
  /** Packer: `shutdown_behavior`. */
  shutdownBehavior: z.enum(['stop', 'terminate']).default('stop'),
  /** Packer: `disable_stop_instance`: the provisioners stop the instance themselves. */
  disableStopInstance: z.boolean().default(false),

  /** Packer: `ami_name`. */
  amiName: z.string().min(3).max(128),
  /** Packer: `ami_description`. */
  amiDescription: z.string().max(255).optional(),
  /** Packer: `tags`: tags on the AMI (and its snapshots unless `snapshotTags` is set). */
  tags: tags.default({}),
  /** Packer: `snapshot_tags`. */
  snapshotTags: tags.default({}),
  /** Packer: `ami_regions`: copy the AMI to these regions. */
  amiRegions: z.array(z.string().min(1)).default([]),
  /** Packer: `ami_users`: account ids allowed to launch the AMI. */
  amiUsers: z.array(z.string().min(1)).default([]),
  /** Packer: `ami_groups` (`all` makes it public). */
  amiGroups: z.array(z.string().min(1)).default([]),
  /** Packer: `snapshot_users`: account ids allowed to create volumes from the AMI's snapshots. */
  snapshotUsers: z.array(z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id')).default([]),
  /** Packer: `snapshot_groups` (`all` makes the snapshots public). */
  snapshotGroups: z.array(z.literal('all')).default([]),
  /** Packer: `ami_product_codes`: Marketplace product codes attached to the AMI. */
  amiProductCodes: z.array(z.string().min(1)).default([]),
  /** Packer: `imds_support`: `v2.0` makes instances launched from the AMI require IMDSv2. */
  imdsSupport: z.literal('v2.0', { message: 'expected "v2.0" (or leave it out)' }).optional(),
  /** Packer: `encrypt_boot`: encrypt the AMI's snapshots (through a copy). */
  encryptBoot: z.boolean().optional(),
  /** Packer: `kms_key_id`: the key for `encryptBoot`. */
  kmsKeyId: z.string().min(1).optional(),
  /** Packer: `force_deregister`: replace an AMI of the same name (also set by `--force`). */
  forceDeregister: z.boolean().default(false),
  /** Packer: `force_delete_snapshot`: with forceDeregister, delete the old AMI's snapshots too. */
  forceDeleteSnapshot: z.boolean().default(false),
  /** Packer: `skip_create_ami`: provision, then tear down without making an AMI. */
  skipCreateAmi: z.boolean().default(false),
}

/** amazon-ebs options: the AWS ones plus core's SSH communicator options (sshUsername, sshTimeout...). */
export const amazonEbsSchema = z
  .strictObject({ ...sshOptionsSchema.shape, ...awsOptionsShape })
  .refine((o) => Boolean(o.sourceAmi) !== Boolean(o.sourceAmiFilter), { message: 'set exactly one of sourceAmi and sourceAmiFilter', path: ['sourceAmi'] })
  .refine((o) => !o.sshKeypairName || o.sshPrivateKeyFile, {
    message: 'sshKeypairName needs sshPrivateKeyFile (the private half of that key pair)',
    path: ['sshPrivateKeyFile'],
  })
  .refine((o) => !(o.userData && o.userDataFile), { message: 'set only one of userData and userDataFile', path: ['userDataFile'] })
  .refine((o) => !o.kmsKeyId || o.encryptBoot, { message: 'kmsKeyId needs encryptBoot: true', path: ['kmsKeyId'] })
  .refine((o) => !(o.securityGroupIds?.length && o.temporarySecurityGroupSourceCidrs.join() !== '0.0.0.0/0'), {
    message: 'temporarySecurityGroupSourceCidrs only applies without securityGroupIds',
    path: ['temporarySecurityGroupSourceCidrs'],
  })

/** What a template writes (defaults optional). */
export type AmazonEbsInput = z.input<typeof amazonEbsSchema>
/** Options after defaults. */
export type AmazonEbsOptions = z.output<typeof amazonEbsSchema>

/** The region: the option, or AWS_REGION / AWS_DEFAULT_REGION. */
export function regionOf(o: Pick<AmazonEbsOptions, 'region'>): string | undefined {
  return o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
}
