import { sshOptionsSchema, type SourcePlugin } from '@tsimg/core/plugin'
import { cloudSource } from '@tsimg/cloud-kit/source'
import { z } from 'zod'
import { awsOptionsShape } from './options.js'
import { type AwsState } from './state.js'

/** amazon-ebs options: the AWS ones plus core's SSH communicator options (sshUsername, sshTimeout...). */
export const amazonEbsSchema = z
  .strictObject({ ...sshOptionsSchema.shape, ...awsOptionsShape })
  .refine((o) => Boolean(o.sourceAmi) !== Boolean(o.sourceAmiFilter), { message: 'set exactly one of sourceAmi and sourceAmiFilter', path: ['sourceAmi'] })
  .refine((o) => !o.sshKeypairName || o.sshPrivateKeyFile, { message: 'sshKeypairName needs sshPrivateKeyFile (the private half of that key pair)', path: ['sshPrivateKeyFile'] })
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

/**
 * The amazon-ebs source: launches an instance from an AMI, provisions it over SSH, stops it
 * and makes a new AMI (copied, shared and tagged as asked), tearing every temporary resource
 * down whatever happens.
 *
 * ```ts
 * amazonEbs({ name: 'web', region: 'us-east-1', sourceAmi: 'ami-123', instanceType: 't3.micro',
 *             sshUsername: 'admin', amiName: 'web-{{timestamp}}' })
 * ```
 */
export function amazonEbs(input: AmazonEbsInput & { name?: string }): SourcePlugin<AmazonEbsOptions, AwsState> {
  const { name, ...rest } = input
  return cloudSource<AmazonEbsInput, AmazonEbsOptions, AwsState>({
    type: 'amazon-ebs',
    ...(name ? { name } : {}),
    schema: amazonEbsSchema,
    input: rest,
    files: ['userDataFile', 'sshPrivateKeyFile'],
    check(options, fail) {
      if (!regionOf(options)) fail('no region: set region, or AWS_REGION / AWS_DEFAULT_REGION', 'region')
    },
    secrets: (options) => [options.secretKey, options.sessionToken],
    // The steps (and the EC2 SDK behind them) load when a build runs, not when a template is read.
    steps: async (options, ctx) => (await import('./steps.js')).amazonEbsSteps(options, ctx),
  })
}

export function regionOf(o: Pick<AmazonEbsOptions, 'region'>): string | undefined {
  return o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
}
