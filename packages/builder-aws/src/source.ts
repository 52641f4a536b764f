import type { SourcePlugin } from '@tsimg/core/plugin'
import { cloudSource } from '@tsimg/cloud-kit/source'
import { amazonEbsSchema, type AmazonEbsInput, type AmazonEbsOptions } from './options.js'
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
    // No region check here: as Packer's amazon builder (hashicorp/packer#7032), validate needs no
    // region; the build takes it from the option, the environment or the shared config.
    secrets: (options) => [options.secretKey, options.sessionToken],
    // The steps (and the EC2 SDK behind them) load when a build runs, not when a template is read.
    steps: async (options, ctx) => {
      const { amazonEbsSteps, buildRegion } = await import('./steps.js')
      const region = await buildRegion(options)
      // Set on the options object itself, not a copy: lateSource fills build-time values
      // (`{{ .SourceAMIName }}` in tags) into this object as the steps run, and they read it.
      if (options.region !== region) (options as { region?: string }).region = region
      return amazonEbsSteps(options, ctx)
    },
  })
}
