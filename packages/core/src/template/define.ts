import type { PostProcessorPlugin, ProvisionerPlugin, SourcePlugin } from '../plugin/types.js'
import type { VerifySpec } from '../verify/types.js'
import type { VariableDefs, VariableValues } from './variables.js'

/** Entries of a template list may be falsy, for conditional use: `[a, debug && b]`. */
export type Falsy = false | null | undefined | 0 | ''

/** What a template builds: the sources (one build each) and what runs on every one of them. */
export interface TemplateBuild {
  /** One build per source, run in parallel (`--parallel-builds`). Named `<type>.<name>`. */
  sources: ReadonlyArray<SourcePlugin<any, any> | Falsy>
  /** Run in order on every source, after it connects and before the image is made. */
  provisioners?: ReadonlyArray<ProvisionerPlugin<any> | Falsy>
  /** Runs when a build fails after provisioning started (Packer's error-cleanup-provisioner). */
  errorCleanupProvisioner?: ProvisionerPlugin<any> | Falsy
  /** Run in order on each build's artifact. */
  postProcessors?: ReadonlyArray<PostProcessorPlugin<any> | Falsy>
  /**
   * Checks run on a fresh machine started from the new image, after the image exists and
   * before any copy, share or post-processor: `{ goss: 'goss.yaml', vars: { port: 80 } }`.
   * A failing check fails the build and deletes the image (unless -on-error=abort).
   */
  verify?: VerifySpec | Falsy
}

/** What a template's build function (and a function default export) receives. */
export interface TemplateContext<Vars = Record<string, never>> {
  /** The resolved variables, typed from their declarations. */
  readonly vars: Vars
  /** Directory of the template file: resolve relative paths against it. */
  readonly templateDir: string
  readonly templateFile: string
  /** Unique per `tsimg build` run (the manifest's packer_run_uuid). */
  readonly runId: string
  /** Unix seconds, fixed for the run (Packer's `{{timestamp}}`). */
  readonly timestamp: number
  /**
   * True under `tsimg inspect`, which lists a template without checking its plugins' options
   * (required variables may be unset): a loader may skip its own option checks then.
   */
  readonly inspecting?: boolean
  /**
   * The run's --only/--except patterns (as `matchesBuild` reads them). The engine builds only
   * the selected sources; a loader may leave the others unchecked, as Packer prepares only the
   * builds it runs (it must still return them, named as before, so the patterns match).
   */
  readonly only?: readonly string[]
  readonly except?: readonly string[]
}

export interface TemplateDefinition<V extends VariableDefs = VariableDefs> {
  /** Shown by `tsimg inspect`. */
  description?: string
  /** Declared with `variable.string()`, `.number()`, `.boolean()`, `.list()`. */
  variables?: V
  build: TemplateBuild | ((ctx: TemplateContext<VariableValues<V>>) => TemplateBuild | Promise<TemplateBuild>)
  /**
   * Var-files read after the environment and before every `-var-file` (Packer's
   * `*.auto.pkrvars.hcl`, in lexical order): absolute paths.
   */
  autoVarFiles?: readonly string[]
  /**
   * Where the template's relative paths (scripts, file sources, var-files' contents...) are
   * resolved from, relative to the working directory. Absent: the template's own directory
   * (an image.ts). A Packer template sets '.', since Packer resolves them from where it runs.
   */
  baseDir?: string
  /**
   * Keep var-file values of names the template does not declare (as strings, in `vars`)
   * instead of ignoring them with a warning: Packer JSON templates read them with {{user}}.
   */
  keepUndeclaredVarFileValues?: boolean
  /** The environment prefix messages suggest for a variable (both are read): `PKR_VAR_` for a Packer template, whose users know it. Default `TSIMG_VAR_`. */
  envPrefix?: 'TSIMG_VAR_' | 'PKR_VAR_'
  /**
   * Renders the resolved variable values before `build` and `tsimg inspect` see them: a Packer
   * JSON template's (and the image.ts `tsimg convert` wrote from one: `packerJson.render`)
   * `{{user}}`, `{{env}}` and other template functions in defaults, var-file, -var and PKR_VAR_
   * values, as Packer does. Without it a value is taken as given (a typed image.ts's own).
   */
  renderVariables?: (values: Record<string, unknown>, ctx: RenderVariablesContext) => Record<string, unknown> | Promise<Record<string, unknown>>
}

/** What `renderVariables` may use: the run's timestamp (Packer's {{timestamp}}), the environment, and where the template is. */
export interface RenderVariablesContext {
  readonly timestamp: number
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
  readonly templateDir: string
  /** The template as shown in messages. */
  readonly file: string
}

/**
 * Identity function that exists for type inference: the build function's `vars` are typed
 * from the declared variables, and every option of every plugin is checked by the editor.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- {}: no variables declared
export function defineTemplate<const V extends VariableDefs = {}>(template: TemplateDefinition<V>): TemplateDefinition<V> {
  return template
}

/** What an image.ts may default-export. */
export type TemplateModule =
  | TemplateDefinition<any>
  | TemplateBuild
  | ((ctx: Omit<TemplateContext, 'vars'>) => TemplateDefinition<any> | TemplateBuild | Promise<TemplateDefinition<any> | TemplateBuild>)
