import { access } from 'node:fs/promises'
import { resolve } from 'node:path'
import { TemplateError, sshSecrets, type SourcePlugin } from '@tsimg/core'
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
  const { name = 'alicloud-ecs', ...rest } = input
  const parsed = alicloudEcsSchema.safeParse(rest)
  const options = (parsed.success ? parsed.data : rest) as AlicloudEcsOptions
  // Found at validate time (options, ALICLOUD_* or the CLI profile), before anything is created.
  let credentials: AlicloudCredentials | undefined
  let region: string | undefined
  return {
    kind: 'source',
    type: 'alicloud-ecs',
    name,
    options,
    schema: alicloudEcsSchema,
    async validate(ctx) {
      const field = (f: string) => `${ctx.path}.${f}`
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!
        throw new TemplateError(issue.message, { file: ctx.templateFile, field: field(issue.path.join('.')) })
      }
      credentials = await resolveCredentials(options)
      if (!credentials) {
        throw new TemplateError('no Alibaba Cloud credentials: set accessKey/secretKey, ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY, or a profile of the Alibaba Cloud CLI', {
          file: ctx.templateFile, field: field('accessKey'),
        })
      }
      region = options.region ?? process.env.ALICLOUD_REGION ?? (await profileRegion(options))
      if (!region) throw new TemplateError('no region: set region, ALICLOUD_REGION, or a CLI profile with a region', { file: ctx.templateFile, field: field('region') })
      for (const f of ['userDataFile', 'sshPrivateKeyFile'] as const) {
        const p = options[f]
        if (!p) continue
        await access(resolve(ctx.templateDir, p)).catch(() => {
          throw new TemplateError(`cannot read ${resolve(ctx.templateDir, p)}`, { file: ctx.templateFile, field: field(f) })
        })
      }
    },
    secrets() {
      return [options.secretKey, options.securityToken, credentials?.secretKey, credentials?.securityToken, ...sshSecrets(options)].filter((s): s is string => Boolean(s))
    },
    initialState: () => ({ generated: {} }),
    // The steps (and the SDKs behind them) load when a build runs, not when a template is read.
    steps: async (ctx) => (await import('./steps.js')).alicloudEcsSteps(options, ctx, credentials!, region!),
  }
}
