import type { SourcePlugin } from '@tsimg/core/plugin'
import { cloudSource } from '@tsimg/cloud-kit/source'
import { credentialsOf, huaweicloudEcsSchema, type HuaweicloudEcsInput, type HuaweiEcsOptions } from './options.js'
import type { HuaweiState } from './state.js'

/**
 * The huaweicloud-ecs source: a post-paid ECS server from an IMS image, provisioned over SSH,
 * stopped and made into a private IMS image, every temporary resource torn down whatever happens.
 *
 * ```ts
 * huaweicloudEcs({ region: 'cn-north-4', flavor: 's6.large.2', sourceImageName: 'Debian 12.0.0 64bit',
 *                  eipType: '5_bgp', sshUsername: 'root', imageName: `web-${Date.now()}` })
 * ```
 */
export function huaweicloudEcs(input: HuaweicloudEcsInput & { name?: string }): SourcePlugin<HuaweiEcsOptions, HuaweiState> {
  const { name, ...rest } = input
  return cloudSource<HuaweicloudEcsInput, HuaweiEcsOptions, HuaweiState>({
    type: 'huaweicloud-ecs',
    ...(name ? { name } : {}),
    schema: huaweicloudEcsSchema,
    input: rest,
    files: ['userDataFile', 'sshPrivateKeyFile'],
    check(options, fail) {
      const c = credentialsOf(options)
      if (!c.region) fail('no region: set region, or HW_REGION_NAME', 'region')
      if (!c.accessKey) fail('no access key: set accessKey, or HW_ACCESS_KEY', 'accessKey')
      if (!c.secretKey) fail('no secret key: set secretKey, or HW_SECRET_KEY', 'secretKey')
    },
    secrets: (options) => [credentialsOf(options).secretKey, credentialsOf(options).securityToken],
    // The steps (and the SDKs behind them) load when a build runs, not when a template is read.
    steps: async (options, ctx) => (await import('./steps.js')).huaweicloudEcsSteps(options, ctx),
  })
}
