import type { BuildInfo } from '@tsimg/core'

export const DEFAULT_EXECUTE_COMMAND = 'chmod +x {{.Path}}; {{.Vars}} {{.Path}}'
export const DEFAULT_ENV_VAR_FORMAT = "%s='%s' "

/**
 * The variables every script sees: the build's name and type under Packer's names (so
 * scripts written for Packer keep working) and tsimg's, then the user's, sorted by name.
 */
export function scriptEnv(build: BuildInfo, user: string[] | Record<string, string> | undefined): Map<string, string> {
  const env = new Map<string, string>()
  for (const [k, v] of Object.entries(userEnv(user))) env.set(k, v)
  env.set('PACKER_BUILD_NAME', build.sourceName)
  env.set('PACKER_BUILDER_TYPE', build.sourceType)
  env.set('TSIMG_BUILD_NAME', build.sourceName)
  env.set('TSIMG_BUILDER_TYPE', build.sourceType)
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
