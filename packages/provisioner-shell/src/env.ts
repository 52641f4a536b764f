import type { BuildInfo } from '@tsimg/core/plugin'

export const DEFAULT_EXECUTE_COMMAND = 'chmod +x {{.Path}}; {{.Vars}} {{.Path}}'
const DEFAULT_ENV_VAR_FORMAT = "%s='%s' "

/**
 * The variables every script sees: the build's name and type under Packer's names (so
 * scripts written for Packer keep working) and tsimg's, and the user's, sorted by name.
 */
export function scriptEnv(build: BuildInfo, user: string[] | Record<string, string> | undefined): Map<string, string> {
  const env = new Map<string, string>([
    ['PACKER_BUILD_NAME', build.sourceName],
    ['PACKER_BUILDER_TYPE', build.sourceType],
    ['TSIMG_BUILD_NAME', build.sourceName],
    ['TSIMG_BUILDER_TYPE', build.sourceType],
  ])
  // As in Packer, the user's variables win over the built-in ones.
  for (const [k, v] of Object.entries(userEnv(user))) env.set(k, v)
  return new Map([...env].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

function userEnv(user: string[] | Record<string, string> | undefined): Record<string, string> {
  if (!user) return {}
  if (!Array.isArray(user)) return user
  const out: Record<string, string> = {}
  for (const kv of user) {
    const i = kv.indexOf('=')
    out[kv.slice(0, i)] = kv.slice(i + 1)
  }
  return out
}

/**
 * `{{.Vars}}`: each variable through envVarFormat. Single quotes in values are escaped as
 * Packer does, so with the default format quotes, spaces and `$` arrive unchanged.
 */
export function formatVars(env: Map<string, string>, format = DEFAULT_ENV_VAR_FORMAT): string {
  let out = ''
  for (const [k, v] of env) {
    const value = v.replace(/'/g, `'"'"'`)
    let n = 0
    out += format.replace(/%s/g, () => (n++ === 0 ? k : value))
  }
  return out
}

/** Fills `{{.Vars}}` and `{{.Path}}` of an executeCommand. */
export function renderCommand(template: string, values: { Vars: string; Path: string }): string {
  return template.replace(/\{\{\s*\.(Vars|Path)\s*\}\}/g, (_, key: 'Vars' | 'Path') => values[key])
}
