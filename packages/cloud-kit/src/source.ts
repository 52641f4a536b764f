import { access } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  TemplateError,
  describeIssue,
  sshSecrets,
  type BaseState,
  type SourcePlugin,
  type StepList,
  type StepsContext,
  type ValidateContext,
} from '@tsimg/core/plugin'
import type { z } from 'zod'

/** What a cloud's source factory says about itself; `cloudSource` writes the rest. */
export interface CloudSourceSpec<I, O, S extends BaseState> {
  /** Packer's builder type: `amazon-ebs`, `alicloud-ecs`. */
  readonly type: string
  /** The source's name; the type when not given, so the build is called by the type alone. */
  readonly name?: string
  readonly schema: z.ZodType<O, I>
  readonly input: I
  /** Option names holding local file paths, checked readable before anything is created. */
  readonly files?: readonly (keyof O & string)[]
  /** The cloud's own checks (credentials, region): `fail(message, field)` names the option. */
  check?(options: O, fail: (message: string, field: string) => never, ctx: ValidateContext): Promise<void> | void
  /** The cloud's secrets (keys, tokens) besides the SSH ones; empty values are dropped. */
  secrets(options: O): (string | undefined)[]
  /** The steps, imported when a build runs so the SDK loads only then: `async (o, ctx) => (await import('./steps.js')).steps(o, ctx)`. */
  steps(options: O, ctx: StepsContext): Promise<StepList<S>>
}

/**
 * A cloud builder's source plugin: options parsed once for their defaults (the engine checks
 * them again through `schema`, reporting by field), the first schema issue and the cloud's own
 * checks as errors naming the option, unreadable files refused before anything is created,
 * secrets for redaction, and steps that load their SDK only when a build runs.
 */
export function cloudSource<I extends object, O extends object, S extends BaseState>(spec: CloudSourceSpec<I, O, S>): SourcePlugin<O, S> {
  const parsed = spec.schema.safeParse(spec.input)
  const options = (parsed.success ? parsed.data : spec.input) as O
  return {
    kind: 'source',
    type: spec.type,
    name: spec.name ?? spec.type,
    options,
    schema: spec.schema,
    async validate(ctx) {
      const fail = (message: string, field: string): never => {
        throw new TemplateError(message, { file: ctx.templateFile, field: `${ctx.path}.${field}` })
      }
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!
        fail(describeIssue(issue, spec.input), issue.path.join('.'))
      }
      await spec.check?.(options, fail, ctx)
      for (const field of spec.files ?? []) {
        const p = options[field]
        if (typeof p === 'string' && p) await access(resolve(ctx.templateDir, p)).catch(() => fail(`cannot read ${resolve(ctx.templateDir, p)}`, field))
      }
    },
    secrets: () => [...spec.secrets(options), ...sshSecrets(options as Parameters<typeof sshSecrets>[0])].filter((s): s is string => Boolean(s)),
    initialState: () => ({ generated: {} }) as S,
    steps: (ctx) => spec.steps(options, ctx),
  }
}
