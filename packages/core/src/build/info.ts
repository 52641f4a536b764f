import type { VariableKind } from '../template/variables.js'
import { sourceBuildName } from '../template/check-plugins.js'
import { beginRun } from '../template/helpers.js'
import { prepareTemplate, type PrepareOptions, type PreparedTemplate } from '../template/prepare.js'
import { Redactor } from '../ui/redact.js'
import { ppNames, selectSources } from './select.js'

export interface TemplateVariableInfo {
  readonly name: string
  readonly type: VariableKind
  /** The declared type as its language writes it (`list(number)` for a Packer variable), when it has one. */
  readonly typeName?: string
  readonly required: boolean
  readonly sensitive: boolean
  readonly description?: string
  /** The value as text; `<sensitive>` for sensitive variables, `<unset>` when required and not given. */
  readonly value: string
  /** `default`, `env TSIMG_VAR_x`, `var-file <path>`, `-var` or `unset`. */
  readonly source: string
}

export interface TemplatePluginInfo {
  readonly type: string
  /** Provisioners' `describe()`, when they have one. */
  readonly description?: string
  readonly only?: readonly string[]
  readonly except?: readonly string[]
}

export interface TemplateSourceInfo {
  /** `<type>.<name>`: what --only/--except match and what prefixes the output. */
  readonly name: string
  readonly type: string
  readonly sourceName: string
}

/** What `validate` checked and what `inspect` shows. Holds no secret. */
export interface TemplateInfo {
  readonly file: string
  readonly templateDir: string
  readonly description?: string
  readonly variables: readonly TemplateVariableInfo[]
  /** The selected builds (all, unless only/except are given). */
  readonly sources: readonly TemplateSourceInfo[]
  readonly provisioners: readonly TemplatePluginInfo[]
  readonly errorCleanupProvisioner?: TemplatePluginInfo
  readonly postProcessors: readonly TemplatePluginInfo[]
  /** The checks of the verify phase (run on a machine of the new image), when the template has one. */
  readonly verify?: readonly TemplatePluginInfo[]
  readonly warnings: readonly string[]
}

export interface TemplateInfoOptions extends PrepareOptions {
  only?: string[]
  except?: string[]
}

/**
 * Checks a template like build does (load, types, variables, every plugin's options and own
 * checks) and creates nothing. Throws TemplateError on the first problem.
 */
export async function validate(options: TemplateInfoOptions): Promise<TemplateInfo> {
  beginRun()
  return describe(await prepareTemplate(options, 'build'), options)
}

/**
 * The template's variables (sensitive ones as `<sensitive>`), sources, provisioners and
 * post-processors. Missing required variables are shown as `<unset>` rather than failing;
 * the TypeScript check runs only when `typecheck: true`.
 */
export async function inspect(options: TemplateInfoOptions): Promise<TemplateInfo> {
  beginRun()
  return describe(await prepareTemplate(options, 'inspect'), options)
}

function describe(p: PreparedTemplate, options: TemplateInfoOptions): TemplateInfo {
  const sources = selectSources(p.build.sources, options.only, options.except, p.file, ppNames(p.build.postProcessors))
  // A variable whose value a plugin holds as a secret (a vCenter password passed with -var to a
  // template that does not declare it sensitive) is shown as <sensitive> too.
  const secrets = new Set<string>()
  for (const plugin of [...p.build.sources, ...p.build.provisioners, ...p.build.postProcessors]) {
    for (const s of (plugin as { secrets?: () => string[] }).secrets?.() ?? []) if (s) secrets.add(s)
  }
  const secret = (v: unknown): boolean => typeof v === 'string' && v !== '' && secrets.has(v)
  // A value holding a sensitive one (a Packer JSON variable rendered from it: "https://u:{{user `pw`}}@h")
  // shows it as <sensitive>, as the build's output does.
  const redactor = new Redactor()
  for (const s of p.variables.sensitiveValues) redactor.add(s)
  return {
    file: p.file,
    templateDir: p.templateDir,
    ...(p.description === undefined ? {} : { description: p.description }),
    variables: p.variables.variables.map((v) => ({
      name: v.name,
      type: v.type,
      ...(v.typeName === undefined ? {} : { typeName: v.typeName }),
      required: v.required,
      sensitive: v.sensitive || secret(v.value),
      ...(v.description === undefined ? {} : { description: v.description }),
      value: v.source === 'unset' ? '<unset>' : v.sensitive || secret(v.value) ? '<sensitive>' : redactor.redact(show(v.value)),
      source: v.source,
    })),
    sources: sources.map((s) => ({ name: sourceBuildName(s), type: s.type, sourceName: s.name })),
    provisioners: p.build.provisioners.map(pluginInfo),
    ...(p.build.errorCleanupProvisioner ? { errorCleanupProvisioner: pluginInfo(p.build.errorCleanupProvisioner) } : {}),
    postProcessors: p.build.postProcessors.map((pp) => ({ type: pp.type })),
    ...(p.build.verify ? { verify: p.build.verify.checks.map((c) => ({ type: c.type, ...(c.describe ? { description: c.describe() } : {}) })) } : {}),
    warnings: p.variables.warnings,
  }
}

function pluginInfo(p: { type: string; describe?: () => string; options: { only?: string[]; except?: string[] } }): TemplatePluginInfo {
  return {
    type: p.type,
    ...(p.describe ? { description: p.describe() } : {}),
    ...(p.options.only ? { only: p.options.only } : {}),
    ...(p.options.except ? { except: p.options.except } : {}),
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}
