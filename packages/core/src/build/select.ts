import { TemplateError } from '../errors.js'
import { buildNames, sourceBuildName, type BuildNaming } from '../template/check-plugins.js'

/**
 * Whether a build matches an --only/--except pattern: `docker.web`, `web` or `docker`,
 * with `*` matching any run of characters (`docker.*`, `*.web`).
 */
export function matchesBuild(pattern: string, source: BuildNaming): boolean {
  const candidates = [...buildNames(source), source.type]
  const re = new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`)
  return candidates.some((c) => re.test(c))
}

/**
 * Applies --only then --except. Patterns that match no build at all are an error (a typo would
 * build nothing), but for an --except naming a post-processor (`postProcessorNames`), which
 * Packer lets -except skip.
 */
export function selectSources<T extends BuildNaming>(
  sources: readonly T[],
  only: readonly string[] | undefined,
  except: readonly string[] | undefined,
  file: string,
  postProcessorNames: readonly string[] = [],
): T[] {
  const names = sources.map(sourceBuildName).join(', ')
  for (const [flag, patterns] of [
    ['--only', only],
    ['--except', except],
  ] as const) {
    for (const p of patterns ?? []) {
      const pp = flag === '--except' && postProcessorNames.some((n) => namesPostProcessor(p, n))
      if (!pp && !sources.some((s) => matchesBuild(p, s))) {
        throw new TemplateError(`${flag} ${p}: matches no build`, { file, hint: `Builds in this template: ${names}` })
      }
    }
  }
  return sources.filter((s) => selectsBuild(s, only, except))
}

/** Whether --only then --except select the build (as selectSources applies them, without its checks). */
export function selectsBuild(source: BuildNaming, only: readonly string[] | undefined, except: readonly string[] | undefined): boolean {
  return (!only?.length || only.some((p) => matchesBuild(p, source))) && !(except ?? []).some((p) => matchesBuild(p, source))
}

/** Whether an --except pattern gives a post-processor's name, which Packer's -except skips. */
export function namesPostProcessor(pattern: string, name: string): boolean {
  return matchesBuild(pattern, { type: name, name: '' })
}

function escape(s: string): string {
  return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
}

/** The names post-processors carry (a Packer template's named ones), which --except may give. */
export function ppNames(postProcessors: readonly { readonly name?: string }[]): string[] {
  return postProcessors.flatMap((p) => (p.name ? [p.name] : []))
}
