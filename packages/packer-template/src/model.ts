import type { VariableKind } from '@tsimg/core'
import type { PluginKind } from './plugins/table.js'
import type { HclType } from './hcl/types.js'

/** A value as written: a JSON value (JSON templates) or an HCL expression node. */
type Raw = unknown

export interface Attr {
  readonly name: string
  readonly raw: Raw
  readonly line: number
}

/** An HCL body or a JSON object: attributes, and (HCL only) nested blocks in the order written. */
export interface Body {
  readonly attrs: readonly Attr[]
  readonly blocks: readonly BodyBlock[]
}

export interface BodyBlock {
  readonly type: string
  /** `dynamic "tag"` has the label `tag`; plugin option blocks have none. */
  readonly labels?: readonly string[]
  readonly body: Body
  readonly line: number
}

export interface PackerVariable {
  readonly name: string
  readonly file: string
  readonly kind: VariableKind
  /** An HCL2 variable's declared type (`type = list(number)`); values are converted to it as Packer does. */
  readonly hclType?: HclType
  readonly default?: Raw
  /** The line of `default = ...` (HCL2), for errors about the default's value. */
  readonly defaultLine?: number
  readonly description?: string
  readonly sensitive: boolean
  readonly line: number
  readonly validations: readonly { readonly condition: Raw; readonly message: Raw; readonly line: number }[]
  /** Set by a `*.auto.pkrvars.hcl` file next to the template (convert writes it as the default). */
  readonly auto?: { readonly value: unknown; readonly file: string }
}

export interface PackerPlugin {
  readonly kind: PluginKind
  readonly type: string
  /** Source name (`web` of `source "docker" "web"`, or a JSON builder's `name`). */
  readonly name?: string
  /** The HCL build block's `name`, which prefixes the build's name (`images.docker.web`). */
  readonly build?: string
  readonly file: string
  readonly line: number
  /** How the template names it: `builders[0]`, `source "docker" "web"`, `provisioner "shell"`. */
  readonly origin: string
  readonly body: Body
  /** Sources (build names) a provisioner or post-processor is limited to. */
  readonly only?: readonly string[]
  readonly except?: readonly string[]
  /** A post-processor's chain (Packer's `[[a, b], c]`, `post-processors { }`): each chain starts from the builder's artifact. */
  readonly chain?: number
  /** For a source used in a build block: attributes that override the top-level source's. */
  readonly overrides?: Body
}

/** A Packer template read into tsimg's shape; values stay unevaluated until variables are known. */
export interface PackerTemplate {
  readonly format: 'json' | 'hcl'
  /** Files as shown to the user. */
  readonly files: readonly string[]
  readonly templateDir: string
  readonly variables: readonly PackerVariable[]
  readonly locals: readonly (Attr & { readonly file: string })[]
  readonly sources: readonly PackerPlugin[]
  readonly provisioners: readonly PackerPlugin[]
  readonly errorCleanupProvisioner?: PackerPlugin
  readonly postProcessors: readonly PackerPlugin[]
  /** `data` blocks (HCL), resolved into the sources that use them. */
  readonly data: readonly PackerPlugin[]
  /** `*.auto.pkrvars.hcl` files of a template directory, in lexical order (absolute paths). */
  readonly autoVarFiles?: readonly string[]
  /** Notes for the user (e.g. required_plugins that tsimg does not need). */
  readonly notes: readonly string[]
  /** Evaluates a raw value of this template's format. */
  readonly evaluator: Evaluator
}

export interface EvalContext {
  readonly mode: 'run' | 'convert'
  /** Resolved variables (run) or `vars.x` placeholders (convert). */
  readonly vars: Record<string, unknown>
  readonly timestamp: number
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  /** The source being evaluated, for build_name, source.name and source.type. */
  readonly source?: { readonly type: string; readonly name: string }
  /** Evaluating variable defaults (where Packer allows env() but no variables). */
  readonly defaults?: boolean
  /** convert: JSON `{{user}}` names the template does not declare (a var-file sets them), which the image.ts then declares. */
  readonly undeclared?: Set<string>
  /** convert: the directory the image.ts is written to (its `templateDir`), for JSON's {{template_dir}}. */
  readonly outputDir?: string
}

export interface Evaluator {
  /** Prepares per-run state (HCL locals) once the variables are known. */
  begin(ctx: EvalContext): EvalSession
}

export interface EvalSession {
  value(raw: Raw, file: string, line: number, source?: { type: string; name: string }): unknown
  /** The same session with more names in scope (a `dynamic` block's iterator); HCL only. */
  with?(names: Record<string, unknown>): EvalSession
  /** The run this session evaluates for (absent for already-evaluated nested values). */
  readonly run?: { readonly mode: 'run' | 'convert'; readonly env: NodeJS.ProcessEnv }
}
