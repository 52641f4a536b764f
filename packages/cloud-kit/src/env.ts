import { clearAuthorizedKeys, type BaseState, type BuildInfo, type SshOptions, type StepList, type StepsContext } from '@tsimg/core/plugin'
import { cloudConnectSsh } from './address.js'
import { ArtifactImages, type ImageCloud } from './images.js'
import type { KeyPairState } from './key-pair.js'
import { scopeData, type CloudScope } from './resources.js'

/**
 * Everything a cloud's steps need besides their context, the same for every cloud: each step
 * file exports `step(env: XEnv): Step<XState>`, where `XEnv = CloudEnv<XOptions, XApi>`.
 */
export interface CloudEnv<O, A> {
  /** The source's options after defaults. */
  readonly options: O
  readonly region: string
  /** The cloud's API client: its SDK calls, each through the kit's CloudCaller. */
  readonly api: A
  readonly build: BuildInfo
  /** The SSH port the instance is reached on (and the temporary security group opens). */
  readonly sshPort: number
  /** Region, endpoint, profile; the account once prevalidate has asked. Journaled with every resource. */
  scope: CloudScope
  /** The images of this build: the first one and its copies, kept on success, deleted otherwise. */
  readonly images: ArtifactImages
}

/** What every cloud's state holds besides its own fields. */
export interface CloudState extends KeyPairState {
  /** The image the machine is launched from (read by the source-image step). */
  sourceImage?: { id: string; name: string }
  vpcId?: string
  /** The address the connect step reaches (chosen by sshInterface, or the user's sshHost). */
  sshHost?: string
}

/**
 * The signature of a cloud's `steps.ts` export: the step list for options after defaults, made
 * when a build runs (so the SDK loads only then). `R` is what the source factory resolved at
 * validate time and the steps need (alicloud's credentials and region); most clouds need none.
 */
export type CloudSteps<O, S extends BaseState, R = void> = (options: O, ctx: StepsContext, resolved: R) => StepList<S>

/** The options `cloudEnv` reads itself. */
interface EnvOptions {
  readonly sshPort?: number
  readonly endpoint?: string
  readonly profile?: string
}

/**
 * A cloud's env: `sshPort` defaults to 22, the scope is the region with the endpoint and profile
 * the options name, and the build's images go through the cloud's `ImageCloud`.
 */
export function cloudEnv<O extends EnvOptions, A>(o: {
  options: O
  ctx: StepsContext
  region: string
  api: A
  images: (api: A, buildId: string) => ImageCloud
}): CloudEnv<O, A> {
  const { options, ctx, region, api } = o
  return {
    options,
    region,
    api,
    build: ctx.build,
    sshPort: options.sshPort ?? 22,
    scope: { region, ...(options.endpoint && { endpoint: options.endpoint }), ...(options.profile && { profile: options.profile }) },
    images: new ArtifactImages(o.images(api, ctx.build.id)),
  }
}

/** Journal data for a resource: where it is (region, endpoint, account, profile) and the build id, never credentials. */
export function resourceData(env: Pick<CloudEnv<unknown, unknown>, 'scope' | 'build' | 'region'>, region = env.region): Record<string, unknown> {
  return { ...scopeData(env.scope), region, buildId: env.build.id }
}

/**
 * The middle of every cloud's step list, between the machine's start and its stop: connect over
 * SSH (unless `connect` is false: communicator `none`), run the provisioners, remove the
 * temporary key from authorized_keys when sshClearAuthorizedKeys asks.
 */
export function provisionSteps<S extends CloudState>(
  env: Pick<CloudEnv<SshOptions, unknown>, 'options' | 'sshPort' | 'build'>,
  ctx: StepsContext,
  { connect = true }: { connect?: boolean } = {},
): StepList<S> {
  return [
    connect && cloudConnectSsh<S>(env.options, { port: env.sshPort, templateDir: env.build.templateDir }),
    ctx.provision<S>(),
    clearAuthorizedKeys<S>(env.options.sshClearAuthorizedKeys),
  ]
}
