import { access } from 'node:fs/promises'
import { resolve } from 'node:path'
import { TemplateError, clearAuthorizedKeys, connectSsh, sshSecrets, sshTargetFromOptions, type SourcePlugin, type StepList, type StepsContext } from '@tsimg/core'
import { ArtifactImages } from '@tsimg/cloud-kit'
import { AlicloudApi } from './api.js'
import { profileRegion, resolveCredentials, type AlicloudCredentials } from './credentials.js'
import { imageCloud } from './images.js'
import { alicloudEcsSchema, type AlicloudEcsInput, type AlicloudEcsOptions } from './options.js'
import type { AliEnv, AliState } from './state.js'
import { copyAndShare } from './step-copy-share.js'
import { createImage } from './step-create-image.js'
import { instance } from './step-instance.js'
import { keyPair } from './step-key-pair.js'
import { network } from './step-network.js'
import { prevalidate } from './step-prevalidate.js'
import { publicIp } from './step-public-ip.js'
import { securityGroup } from './step-security-group.js'
import { sourceImage } from './step-source-image.js'
import { stopInstance } from './step-stop.js'

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
    steps: (ctx) => alicloudEcsSteps(options, ctx, credentials!, region!),
  }
}

/** The alicloud-ecs step list, in Packer's order. */
export function alicloudEcsSteps(options: AlicloudEcsOptions, ctx: StepsContext, credentials: AlicloudCredentials, region: string): StepList<AliState> {
  const api = new AlicloudApi({ credentials, ...(options.endpoint && { endpoint: options.endpoint }), maxRetries: options.maxRetries })
  const env: AliEnv = {
    options, region, api, build: ctx.build, sshPort: options.sshPort ?? 22,
    scope: { region, ...(options.endpoint && { endpoint: options.endpoint }), ...(options.profile && { profile: options.profile }) },
    images: new ArtifactImages(imageCloud(api, ctx.build.id)),
  }
  return [
    prevalidate(env),
    sourceImage(env),
    keyPair(env),
    network(env),
    securityGroup(env),
    instance(env),
    publicIp(env),
    options.communicator !== 'none' &&
      connectSsh<AliState>(async (state) =>
        sshTargetFromOptions(options, { host: state.sshHost!, port: env.sshPort, privateKey: state.keyPair?.privateKey, baseDir: ctx.build.templateDir }),
      ),
    ctx.provision<AliState>(),
    clearAuthorizedKeys<AliState>(options.sshClearAuthorizedKeys),
    stopInstance(env),
    createImage(env),
    copyAndShare(env),
  ]
}
