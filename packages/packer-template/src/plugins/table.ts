/**
 * How a Packer plugin's snake_case options map to a tsimg plugin's camelCase options. Each
 * builder, provisioner and post-processor tsimg supports has one table (one file under
 * plugins/); a new builder adds its table and one line in registry.ts.
 */
export type FieldType =
  | 'string'
  | 'bool'
  | 'int'
  | 'number'
  /** Packer duration (`5m`, `30s`) or seconds as a number. */
  | 'duration'
  | 'strings'
  | 'ints'
  /** map of string to string */
  | 'map'
  /** passed through as evaluated (already the plugin's shape) */
  | 'any'
  | { readonly object: FieldTable }
  | { readonly list: FieldTable }

export interface Field {
  /** The tsimg option name (camelCase); a dotted path nests it (`sourceAmiFilter.filters`). */
  readonly option: string
  readonly type: FieldType
  /** Turns the converted value into the option's value (e.g. `discard` -> `commit: !discard`). */
  readonly map?: (value: unknown) => unknown
  /** What the option tables in the READMEs say beside it (where tsimg reads it differently). */
  readonly note?: string
}

/** Packer name -> option, or why it is not supported (and what to use instead), or why it is accepted with no effect. */
export type FieldTable = Readonly<Record<string, Field | Unsupported | Ignored>>

export interface Unsupported {
  readonly unsupported: string
}

/** An option accepted and dropped, because what it asks is already what tsimg does: the reason says so. */
export interface Ignored {
  readonly ignored: string
}

export type PluginKind = 'source' | 'provisioner' | 'post-processor'

export interface PluginMapping {
  readonly kind: PluginKind
  /** Packer's type name: `docker`, `amazon-ebs`, `shell`, `docker-tag`. */
  readonly packerType: string
  /** The npm package and export of the tsimg factory. */
  readonly module: string
  readonly factory: string
  readonly fields: FieldTable
  /** The tsimg source's type where it is not Packer's (`ssh` for null): its builds keep Packer's name (`null.box`). */
  readonly tsimgType?: string
  /** Another tsimg plugin for some values of the options (null with communicator "none"): chosen once they are mapped. */
  readonly alternative?: { readonly when: (options: Record<string, unknown>) => boolean; readonly mapping: PluginMapping }
  /** Options tsimg sets that Packer implies (e.g. null's communicator is always SSH). */
  readonly fixed?: Readonly<Record<string, unknown>>
  /** Build-time values (`{{ .SourceAMIName }}`, `build.ID`) this builder makes, for provisioners and `late` options. */
  readonly generated?: readonly string[]
  /** Options the builder reads after it made its build-time values, so they may hold them (tags). */
  readonly late?: readonly string[]
  /**
   * tsimg options read from an environment variable when the template leaves them out (and
   * none of `unless` is set), so an unchanged template can be pointed at another endpoint
   * (the local emulator, a private cloud) the way Packer users set ALICLOUD_REGION.
   */
  readonly fromEnv?: readonly { readonly option: string; readonly variable: string; readonly unless?: readonly string[] }[]
  /** Options whose `{{ .Name }}` placeholders the plugin fills itself (ansible's inventory template: HostAlias, Host...): not build-time values. */
  readonly selfFilled?: readonly string[]
  /** After mapping: last adjustments that need several fields at once. */
  readonly finish?: (options: Record<string, unknown>) => Record<string, unknown>
}

export const field = (option: string, type: FieldType, map?: (value: unknown) => unknown): Field => (map ? { option, type, map } : { option, type })
export const unsupported = (why: string): Unsupported => ({ unsupported: why })
export const ignored = (why: string): Ignored => ({ ignored: why })
/** A field with a note for the option tables. */
export const noted = (f: Field, note: string): Field => ({ ...f, note })
/** The same reason for several options. */
export const allUnsupported = (why: string, names: readonly string[]): FieldTable => Object.fromEntries(names.map((n) => [n, unsupported(why)]))

export function isUnsupported(f: Field | Unsupported | Ignored): f is Unsupported {
  return 'unsupported' in f
}

export function isIgnored(f: Field | Unsupported | Ignored): f is Ignored {
  return 'ignored' in f
}

/** `ssh_private_key_file` -> `sshPrivateKeyFile`. */
function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
}

/** A table whose tsimg names are the camelCase of the Packer names. */
export function sameNames(types: Readonly<Record<string, FieldType>>): FieldTable {
  return Object.fromEntries(Object.entries(types).map(([k, t]) => [k, field(camel(k), t)]))
}
