import type { z } from 'zod'
import type { Communicator } from '../communicator/types.js'
import type { BuildInfo, StepList } from '../runner/step.js'
import type { Ui } from '../ui/ui.js'

/** What a build produced. */
export interface Artifact {
  /** `docker`, `amazon-ebs`, ... */
  readonly builderType: string
  /** `<type>.<name>` of the build that made it. */
  readonly buildName: string
  /** Image id(s): `sha256:...`, or `us-east-1:ami-123,eu-west-1:ami-456`. */
  readonly id: string
  /** One or more lines shown in the artifact summary. */
  readonly description: string
  readonly files?: readonly string[]
  /** Extra facts for post-processors and the manifest (region -> image id, tags, ...). */
  readonly data?: Readonly<Record<string, unknown>>
}

/** Facts a builder shares with provisioners (Packer's `build.*` values). */
export interface GeneratedData {
  ID?: string
  Host?: string
  Port?: number
  User?: string
  SourceImage?: string
  [key: string]: unknown
}

/**
 * State every builder's state extends. The provision step reads `communicator`,
 * which the connect step sets.
 */
export interface BaseState {
  communicator?: Communicator
  generated: GeneratedData
  artifact?: Artifact
  /** Set by a builder once the machine is stopped or gone: nothing may run on it any more. */
  machineDown?: boolean
}

export interface ValidateContext {
  /** Directory of the template file. */
  readonly templateDir: string
  /** Path of the template file, for error messages. */
  readonly templateFile: string
  /** `sources[0]`, `provisioners[2]`: prefix for error fields. */
  readonly path: string
}

export interface StepsContext {
  readonly build: BuildInfo
  /** Place this step where provisioning happens (after connecting, before stopping). */
  provision<S extends BaseState>(): import('../runner/step.js').Step<S>
  /**
   * Place this step right after the image exists and before any copy, share or tag that
   * publishes it: the template's verify phase, which starts a machine from the image through
   * `machine` (the builder's own launch and connect steps), runs the checks and tears it down.
   * Undefined when the template has no checks. A builder that never calls it cannot verify:
   * a template with checks then fails before anything is created.
   */
  verify<S extends BaseState, V extends BaseState>(
    machine: import('../verify/types.js').VerifyMachineFactory<S, V>,
  ): import('../runner/step.js').Step<S> | undefined
  /**
   * Set by `tsimg verify --image <id>`: build nothing, only check an existing image. The
   * builder then returns just the steps a machine of that image needs (its scope, network,
   * key pair) and the verify step, whose machine starts from this image.
   */
  readonly verifyImage?: string
}

/**
 * A source (Packer: builder) as it appears in a template: made by a factory such as
 * `docker({...})`. Its options are validated by `schema` before anything is created.
 */
export interface SourcePlugin<O = unknown, S extends BaseState = BaseState> {
  readonly kind: 'source'
  /** `docker`, `ssh`, `amazon-ebs` */
  readonly type: string
  /** Source name; the build is called `<type>.<name>`. */
  readonly name: string
  /**
   * The name of the Packer build block this source belongs to (HCL `build { name = "x" }`): the
   * build is then called `<buildPrefix>.<type>.<name>`, as Packer calls it; `<type>.<name>` still
   * selects it in --only/--except and a provisioner's only/except.
   */
  readonly buildPrefix?: string
  /**
   * The build's name in place of `<type>.<name>` (still after `buildPrefix`): a Packer JSON
   * builder's `name`, which Packer uses alone (`web`, not `docker.web`), or the Packer type a
   * tsimg source stands for (`null.box` for Packer's null builder, run by `sshHost`).
   * `<type>.<name>` still selects the build.
   */
  readonly buildName?: string
  readonly options: O
  /** zod schema for options; errors name the field. */
  readonly schema?: z.ZodType
  /** Extra checks (files readable, combinations valid) that run before anything is created. */
  validate?(ctx: ValidateContext): Promise<void> | void
  /** Values that must be redacted wherever printed (passwords, keys). */
  secrets?(): string[]
  /**
   * The ordered steps of this builder, with the provision step placed where it belongs. May
   * be async, so a builder can load its cloud SDK only when a build runs (validate never calls it).
   */
  steps(ctx: StepsContext): StepList<S> | Promise<StepList<S>>
  /** Initial state. */
  initialState(): S
}

export interface ProvisionContext {
  readonly communicator: Communicator
  readonly ui: Ui
  readonly signal: AbortSignal
  readonly build: BuildInfo
  readonly generated: GeneratedData
  /** Directory of the template file, to resolve relative paths. */
  readonly templateDir: string
}

/** Options every provisioner accepts (Packer's common provisioner options). */
export interface CommonProvisionerOptions {
  /** Run only for these source names (`web` or `docker.web`). */
  only?: string[]
  /** Run for all sources but these. */
  except?: string[]
  /** Wait this long before running, e.g. `'10s'` or milliseconds. */
  pauseBefore?: string | number
  /** Retry the whole provisioner this many times on failure. */
  maxRetries?: number
  /** Fail if the provisioner runs longer than this, e.g. `'5m'`. */
  timeout?: string | number
}

export interface ProvisionerPlugin<O extends CommonProvisionerOptions = CommonProvisionerOptions> {
  readonly kind: 'provisioner'
  /** `shell`, `file`, `breakpoint` */
  readonly type: string
  readonly options: O
  readonly schema?: z.ZodType
  validate?(ctx: ValidateContext): Promise<void> | void
  secrets?(): string[]
  /** Short description for the `==> Provisioning with ...` line. */
  describe?(): string
  /**
   * The same checks for the verify phase (the goss provisioner's files), when the provisioner
   * is one: `--move-goss-to-verify` and `tsimg verify` run them on a machine of the image.
   */
  asCheck?(): import('../verify/types.js').VerifyPlugin
  /** Runs on this machine only (shell-local, breakpoint): it needs no connection, so it also runs in a build without one (communicator `none`). */
  readonly local?: boolean
  provision(ctx: ProvisionContext): Promise<void>
}

export interface PostProcessContext {
  readonly ui: Ui
  readonly signal: AbortSignal
  readonly build: BuildInfo
  /** The build-time values the builder made (`SourceAMIName`, `ID`...), as provisioners get them. */
  readonly generated?: Readonly<GeneratedData>
  readonly templateDir: string
  readonly runId: string
  /**
   * The build was cancelled after this artifact was finished: it exists and is kept, and only
   * post-processors that record it (`recordsCancelled`) run, to say so.
   */
  readonly cancelled?: boolean
}

export interface PostProcessorPlugin<O = unknown> {
  readonly kind: 'post-processor'
  readonly type: string
  /** A Packer post-processor's `name`, which --except may give to skip it (a pattern naming no build is then not an error). */
  readonly name?: string
  readonly options: O
  readonly schema?: z.ZodType
  /**
   * Bookkeeping (the manifest): still runs when the build is cancelled after its artifact was
   * finished, with `ctx.cancelled`, so its record matches what exists.
   */
  readonly recordsCancelled?: boolean
  validate?(ctx: ValidateContext): Promise<void> | void
  /** Returns the artifact to pass on (the same one, or a new one). */
  postProcess(artifact: Artifact, ctx: PostProcessContext): Promise<Artifact>
}
