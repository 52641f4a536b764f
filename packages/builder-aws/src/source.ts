import type { SourcePlugin } from '@tsimg/core/plugin'
import { cloudSource } from '@tsimg/cloud-kit/source'
import { amazonEbsSchema, regionOf, type AmazonEbsInput, type AmazonEbsOptions } from './options.js'
import { type AwsState } from './state.js'

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
