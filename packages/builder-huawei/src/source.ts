import type { SourcePlugin } from '@tsimg/core/plugin'
import { cloudSource } from '@tsimg/cloud-kit/source'
import { z } from 'zod'
import { huaweiOptionsShape } from './options.js'
import type { HuaweiState } from './state.js'

const count = (...xs: unknown[]): number => xs.filter(Boolean).length

/** huaweicloud-ecs options: the Huawei ones plus core's SSH options. */
export const huaweicloudEcsSchema = z
  .strictObject(huaweiOptionsShape)
  .refine((o) => count(o.sourceImage, o.sourceImageName, o.sourceImageFilter) === 1, { message: 'set exactly one of sourceImage, sourceImageName and sourceImageFilter', path: ['sourceImage'] })
  .refine((o) => !o.sshKeypairName || o.sshPrivateKeyFile, { message: 'sshKeypairName needs sshPrivateKeyFile (the private half of that key pair)', path: ['sshPrivateKeyFile'] })
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
