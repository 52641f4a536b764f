import type { SourcePlugin } from '@tsimg/core/plugin'
import { cloudSource } from '@tsimg/cloud-kit/source'
import { profileRegion, resolveCredentials, type AlicloudCredentials } from './credentials.js'
import { alicloudEcsSchema, type AlicloudEcsInput, type AlicloudEcsOptions } from './options.js'
import type { AliState } from './state.js'

/**
 * The alicloud-ecs source: launches an ECS instance, provisions it over SSH, stops it and
 * makes a custom image (copied and shared as asked), tearing every temporary resource down
 * whatever happens.
 *
 * ```ts
 * alicloudEcs({ region: 'cn-beijing', sourceImage: 'centos_7_06_64_20G_alibase_20190711.vhd',
 *               instanceType: 'ecs.g7.large', sshUsername: 'root', imageName: 'web-{{timestamp}}' })
 * ```
 */
export function alicloudEcs(input: AlicloudEcsInput & { name?: string }): SourcePlugin<AlicloudEcsOptions, AliState> {
  const { name, ...rest } = input
  // Found at validate time (options, ALICLOUD_* or the CLI profile), before anything is created.
  let credentials: AlicloudCredentials | undefined
  let region: string | undefined
  return cloudSource<AlicloudEcsInput, AlicloudEcsOptions, AliState>({
    type: 'alicloud-ecs',
    ...(name ? { name } : {}),
    schema: alicloudEcsSchema,
    input: rest,
    files: ['userDataFile', 'sshPrivateKeyFile'],
    async check(options, fail) {
      credentials = await resolveCredentials(options)
      if (!credentials)
        fail(
          'no Alibaba Cloud credentials: set accessKey/secretKey, ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY, or a profile of the Alibaba Cloud CLI',
          'accessKey',
        )
      region = options.region ?? process.env.ALICLOUD_REGION ?? (await profileRegion(options))
      if (!region) fail('no region: set region, ALICLOUD_REGION, or a CLI profile with a region', 'region')
    },
    secrets: (options) => [options.secretKey, options.securityToken, credentials?.secretKey, credentials?.securityToken],
    // The steps (and the SDKs behind them) load when a build runs, not when a template is read.
    steps: async (options, ctx) => (await import('./steps.js')).alicloudEcsSteps(options, ctx, { credentials: credentials!, region: region! }),
  })
}
