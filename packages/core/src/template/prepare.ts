import { dirname, resolve } from 'node:path'
import { TemplateError, errorMessage } from '../errors.js'
import { Redactor } from '../ui/redact.js'
import { redactError } from './_redact-error.js'
import { checkBuild, type CheckedBuild } from './check-plugins.js'
import type { RenderVariablesContext, TemplateContext, TemplateDefinition } from './define.js'
import { currentRun } from './helpers.js'
import { assertReadable, displayPath, importDefault, type PackerLoadRun } from './load.js'
import { resolveVariables, type ResolvedVariables } from './resolve-vars.js'
import { typecheckTemplate } from './typecheck.js'

export interface PrepareOptions {
  /** Path of image.ts (or .js/.mjs); resolved against cwd. */
  readonly templateFile?: string
  /** An already-imported template (library use): what image.ts would default-export. */
  readonly template?: unknown
  readonly vars?: Readonly<Record<string, string>>
  readonly varFiles?: readonly string[]
  /** Type-check a TypeScript template first (default true). */
  readonly typecheck?: boolean
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  /** --only/--except, handed to the template's build function (TemplateContext.only/except). */
  readonly only?: readonly string[]
  readonly except?: readonly string[]
}

export interface PreparedTemplate {
  /** Template path as shown in messages (relative to cwd when inside it). */
  readonly file: string
  readonly templateDir: string
  readonly description?: string
  readonly variables: ResolvedVariables
  readonly build: CheckedBuild
  readonly runId: string
  readonly timestamp: number
}

/**
 * Loads, type-checks and evaluates a template and checks every plugin's options.
 * Creates nothing; every problem is a TemplateError naming the file and the field.
 * `inspect` mode tolerates missing required variables and skips plugins' own validate().
 */
export async function prepareTemplate(opts: PrepareOptions, mode: 'build' | 'inspect' = 'build'): Promise<PreparedTemplate> {
  const cwd = opts.cwd ?? process.cwd()
  if (opts.templateFile === undefined && opts.template === undefined) {
    throw new TemplateError('no template given', { hint: 'Pass a template file (tsimg build image.ts) or, as a library, `template`.' })
  }
  const path = opts.templateFile === undefined ? undefined : resolve(cwd, opts.templateFile)
  const file = path ? displayPath(path, cwd) : '<template>'
  let templateDir = path ? dirname(path) : cwd
  const { runId, timestamp } = currentRun()

  if (path) await assertReadable(path, file)
  // A template the compiler checks (new or edited, so not in jiti's cache either) is also
  // transpiled by it for the import below, which then does not load Babel. The template itself
  // runs only after it type-checked clean.
  if (path && (opts.typecheck ?? mode === 'build')) await typecheckTemplate(path, cwd)
  // What the template is told of the run: the Packer loader and a build function read the same.
  const run: PackerLoadRun = {
    ...(mode === 'inspect' ? { inspecting: true } : {}),
    ...(opts.only?.length ? { only: opts.only } : {}),
    ...(opts.except?.length ? { except: opts.except } : {}),
  }
  let mod = opts.template !== undefined ? opts.template : await importDefault(path as string, file, run)
  const base = { templateDir, templateFile: path ?? file, runId, timestamp }

  if (typeof mod === 'function') mod = await call(() => (mod as (c: typeof base) => unknown)(base), file, 'the default-exported function')
  if (typeof mod !== 'object' || mod === null) {
    throw new TemplateError('the default export must be a template: defineTemplate({ ... }), an object with `sources`, or a function returning one', { file })
  }

  const isDefinition = 'build' in mod
  if (isDefinition) {
    for (const key of Object.keys(mod)) {
      if (!['build', 'variables', 'description', 'autoVarFiles', 'baseDir', 'keepUndeclaredVarFileValues', 'envPrefix', 'renderVariables'].includes(key)) {
        throw new TemplateError('unknown template field', { file, field: key, hint: 'defineTemplate takes description, variables and build.' })
      }
    }
  }
  const def = mod as {
    build?: unknown
    variables?: Record<string, unknown>
    description?: unknown
    autoVarFiles?: readonly string[]
    baseDir?: unknown
    keepUndeclaredVarFileValues?: unknown
    envPrefix?: unknown
    renderVariables?: unknown
  }
  if (isDefinition && typeof def.baseDir === 'string') templateDir = resolve(cwd, def.baseDir)
  const varFiles = [...(isDefinition ? (def.autoVarFiles ?? []) : []), ...(opts.varFiles ?? [])]
  const resolved = await resolveVariables(isDefinition ? def.variables : undefined, { ...opts, varFiles, cwd }, file, {
    lenient: mode === 'inspect',
    keepUndeclared: isDefinition && def.keepUndeclaredVarFileValues === true,
    ...(isDefinition && def.envPrefix === 'PKR_VAR_' ? { envPrefix: 'PKR_VAR_' } : {}),
  })
  const variables =
    isDefinition && def.renderVariables !== undefined
      ? await rendered(resolved, def.renderVariables, { timestamp, env: opts.env ?? process.env, cwd, templateDir, file })
      : resolved

  let checked: CheckedBuild
  try {
    let built: unknown = mod
    if (isDefinition) {
      const ctx: TemplateContext<Record<string, unknown>> = {
        ...base,
        templateDir,
        vars: variables.values,
        ...run,
      }
      built = typeof def.build === 'function' ? await call(() => (def.build as (c: typeof ctx) => unknown)(ctx), file, 'build()') : def.build
    }
    checked = await checkBuild(built, file, templateDir, { skipPluginValidate: mode === 'inspect' })
  } catch (err) {
    // A plugin's complaint may quote an option that holds a sensitive variable's value.
    throw redacted(err, variables.sensitiveValues)
  }
  return {
    file,
    templateDir,
    ...(typeof def.description === 'string' ? { description: def.description } : {}),
    variables,
    build: checked,
    runId,
    timestamp,
  }
}

/** The variables after the template's own rendering (a Packer JSON template's {{user}}/{{env}}...): what build and inspect see. */
async function rendered(resolved: ResolvedVariables, render: unknown, ctx: RenderVariablesContext): Promise<ResolvedVariables> {
  if (typeof render !== 'function') throw new TemplateError('renderVariables must be a function', { file: ctx.file, field: 'renderVariables' })
  let values: Record<string, unknown>
  try {
    values = (await (render as NonNullable<TemplateDefinition['renderVariables']>)({ ...resolved.values }, ctx)) as Record<string, unknown>
  } catch (err) {
    if (err instanceof TemplateError) throw redacted(err, resolved.sensitiveValues)
    throw redacted(new TemplateError(errorMessage(err), { file: ctx.file, field: 'variables', cause: err }), resolved.sensitiveValues)
  }
  const variables = resolved.variables.map((v) => (v.name in values && values[v.name] !== resolved.values[v.name] ? { ...v, value: values[v.name] } : v))
  // A sensitive variable rendered from others is sensitive as rendered too.
  const more = variables.filter((v) => v.sensitive && typeof v.value === 'string' && !resolved.sensitiveValues.includes(v.value)).map((v) => v.value as string)
  return { ...resolved, values, variables, sensitiveValues: [...resolved.sensitiveValues, ...more] }
}

async function call(fn: () => unknown, file: string, what: string): Promise<unknown> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof TemplateError) throw err
    throw new TemplateError(`${what} threw: ${errorMessage(err)}`, { file, cause: err })
  }
}

function redacted(err: unknown, secrets: readonly string[]): unknown {
  if (!(err instanceof Error) || secrets.length === 0) return err
  const r = new Redactor()
  for (const s of secrets) r.add(s)
  return redactError(err, r)
}
