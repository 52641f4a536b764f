import { access } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  TemplateError,
  clearAuthorizedKeys,
  connectSsh,
  sshOptionsSchema,
  sshSecrets,
  sshTargetFromOptions,
  type SourcePlugin,
  type StepList,
  type StepsContext,
} from '@tsimg/core'
import { z } from 'zod'
import { ArtifactImages } from '@tsimg/cloud-kit'
import { amiCloud } from './ami.js'
import { Ec2Api } from './ec2.js'
import { awsOptionsShape } from './options.js'
import type { AwsEnv, AwsState } from './state.js'
import { cleanupVolumes } from './step-cleanup-volumes.js'
import { copyImages } from './step-copy-images.js'
import { createImage } from './step-create-image.js'
import { deregisterAmi } from './step-deregister-ami.js'
import { keyPair } from './step-key-pair.js'
import { modifyImage } from './step-modify-image.js'
import { networkInfo } from './step-network-info.js'
import { prevalidate } from './step-prevalidate.js'
import { runInstance } from './step-run-instance.js'
import { securityGroup } from './step-security-group.js'
import { sourceAmi } from './step-source-ami.js'
import { stopInstance } from './step-stop-instance.js'
import { tagImage } from './step-tag-image.js'

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
  const { name = 'amazon-ebs', ...rest } = input
  // Parse eagerly for defaults; the engine validates again through `schema` and reports by field.
  const parsed = amazonEbsSchema.safeParse(rest)
  const options = (parsed.success ? parsed.data : rest) as AmazonEbsOptions
  return {
    kind: 'source',
    type: 'amazon-ebs',
    name,
    options,
    schema: amazonEbsSchema,
    async validate(ctx) {
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!
        throw new TemplateError(issue.message, { file: ctx.templateFile, field: `${ctx.path}.${issue.path.join('.')}` })
      }
      if (!regionOf(options)) {
        throw new TemplateError('no region: set region, or AWS_REGION / AWS_DEFAULT_REGION', { file: ctx.templateFile, field: `${ctx.path}.region` })
      }
      for (const field of ['userDataFile', 'sshPrivateKeyFile'] as const) {
        const p = options[field]
        if (!p) continue
        await access(resolve(ctx.templateDir, p)).catch(() => {
          throw new TemplateError(`cannot read ${resolve(ctx.templateDir, p)}`, { file: ctx.templateFile, field: `${ctx.path}.${field}` })
        })
      }
    },
    secrets() {
      return [options.secretKey, options.sessionToken, ...sshSecrets(options)].filter((s): s is string => Boolean(s))
    },
    initialState: () => ({ generated: {} }),
    steps: (ctx) => amazonEbsSteps(options, ctx),
  }
}

export function regionOf(o: Pick<AmazonEbsOptions, 'region'>): string | undefined {
  return o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
}

/** The amazon-ebs step list, in Packer's order. */
export function amazonEbsSteps(options: AmazonEbsOptions, ctx: StepsContext): StepList<AwsState> {
  const region = regionOf(options) ?? ''
  const api = new Ec2Api(options)
  const env: AwsEnv = {
    options,
    region,
    api,
    build: ctx.build,
    sshPort: options.sshPort ?? 22,
    scope: { region, ...(options.endpoint && { endpoint: options.endpoint }), ...(options.profile && { profile: options.profile }) },
    images: new ArtifactImages(amiCloud(api, ctx.build.id)),
  }
  return [
    {
      // Runs first so its cleanup runs last: closes the SDK clients' sockets once teardown is done.
      name: 'aws:client',
      async run() {},
      async cleanup() {
        env.api.destroy()
      },
    },
    prevalidate(env),
    sourceAmi(env),
    networkInfo(env),
    keyPair(env),
    securityGroup(env),
    cleanupVolumes(env),
    runInstance(env),
    connectSsh<AwsState>(async (state) =>
      sshTargetFromOptions(options, {
        host: state.sshHost!,
        port: env.sshPort,
        privateKey: state.keyPair?.privateKey,
        baseDir: ctx.build.templateDir,
      }),
    ),
    ctx.provision<AwsState>(),
    // Only a key made for this build is removed from the image (an existing sshKeypairName stays trusted).
    clearAuthorizedKeys<AwsState>(options.sshClearAuthorizedKeys),
    !options.skipCreateAmi && stopInstance(env),
    !options.skipCreateAmi && deregisterAmi(env),
    !options.skipCreateAmi && createImage(env),
    !options.skipCreateAmi && copyImages(env),
    !options.skipCreateAmi && modifyImage(env),
    !options.skipCreateAmi && tagImage(env),
  ]
}
