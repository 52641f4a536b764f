import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * What the option tables say of a tsimg option beyond its mapping: the doc comment written on it
 * in its plugin's schema (`/** Packer: \`region\`. Defaults to AWS_REGION. *\/ region: z...`) and
 * its schema default (`.default(9)`), read from the package's source, so a table's description
 * is the one the editor shows on the option.
 */
export interface OptionDoc {
  /** The comment's text, without its `Packer: \`name\`` lead. */
  readonly text: string
  /** The Packer name the comment gives, when it gives one. */
  readonly packer?: string
  /** The schema default as written in the source (`9`, `'5s'`). */
  readonly default?: string
  /** The source file, from the package's src. */
  readonly file?: string
}

/** Files that hold plugin options (not, say, the build API's `only`), preferred when a name is documented in several. */
const OPTION_FILE = /options|plugin|provision|post-processors|builders|ssh/

/** The repository root, from packages/packer-template/{src,dist}/docs/. */
const root = fileURLToPath(new URL('../../../../', import.meta.url))

const cache = new Map<string, ReadonlyMap<string, readonly OptionDoc[]>>()

/** Every documented schema field of a package's source, by field name (a name may be documented in several objects). */
function optionDocs(module: string): ReadonlyMap<string, readonly OptionDoc[]> {
  let docs = cache.get(module)
  if (!docs) {
    docs = scan(join(root, 'packages', module.replace(/^@tsimg\//, ''), 'src'))
    cache.set(module, docs)
  }
  return docs
}

/** The doc of the option at `tsimgPath` (`sourceAmiFilter.filters`, `launchBlockDeviceMappings[].volumeSize`) read as `packer` (empty: the option's first doc). */
export function docOf(module: string, tsimgPath: string, packer: string): OptionDoc | undefined {
  const leaf = tsimgPath.split('.').pop()!.replace(/\[\]$/, '')
  const packerLeaf = packer.split('.').pop()!
  const found = optionDocs(module).get(leaf) ?? []
  // The text: a comment naming this Packer option, else the one comment naming none (any first, for a lookup by tsimg name).
  const texts = found.filter((d) => d.text)
  const unnamed = texts.filter((d) => !d.packer)
  const inOptions = unnamed.filter((d) => OPTION_FILE.test(d.file ?? ''))
  const only = unnamed.length === 1 ? unnamed[0] : inOptions.length === 1 ? inOptions[0] : undefined
  const text = packer ? (texts.find((d) => d.packer === packerLeaf || d.packer === packer) ?? only) : texts[0]
  // The default: the one schema default written for this name (several different ones: not shown).
  const defaults = [...new Set(found.flatMap((d) => (d.default === undefined ? [] : [d.default])))]
  if (!text && defaults.length !== 1) return undefined
  return { text: text?.text ?? '', ...(text?.packer ? { packer: text.packer } : {}), ...(defaults.length === 1 ? { default: defaults[0]! } : {}) }
}

function scan(dir: string): Map<string, OptionDoc[]> {
  const out = new Map<string, OptionDoc[]>()
  let files: string[]
  try {
    files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  } catch {
    return out
  }
  // Options files first: their comment is the one a table shows when a name is documented twice.
  files.sort((a, b) => Number(!/options/.test(a)) - Number(!/options/.test(b)) || a.localeCompare(b))
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8')
    // A schema field (`name: z.…`, `name: durationSchema…`) to the end of its line and the chained
    // calls on the lines after it (`.default(…)` as the formatter wraps it), with the doc comment
    // right above it if any.
    for (const m of text.matchAll(/(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n)?[ \t]*(\w+)\??: ([^\n]*(?:\n[ \t]*\.[^\n]*)*)/g)) {
      const [, comment = '', name, decl] = m as unknown as [string, string | undefined, string, string]
      // A documented field may be a schema's or an options interface's; an undocumented one counts for its schema default only.
      const schemaField = /^(z\.|z$|\w+Schema\b|duration\b|tags\b|filters\b|\w+\.(optional|default)\()/.test(decl) || /\bz\./.test(decl)
      if (!schemaField && !comment.trim()) continue
      const raw = comment
        .split('\n')
        .map((l) => l.replace(/^\s*\*\s?/, '').trim())
        .filter(Boolean)
        .join(' ')
      const lead = /^Packer(?:'s)?:?\s+`([\w.]+)`(?:\s*\/\s*[\w_]+)?\s*[.:,]?\s*/.exec(raw)
      const dflt = /\.default\(([^()]*(?:\([^()]*\))?[^()]*)\)/.exec(decl)?.[1]
      const doc: OptionDoc = {
        text: lead ? raw.slice(lead[0].length) : raw,
        ...(lead ? { packer: lead[1] } : {}),
        ...(dflt !== undefined ? { default: dflt } : {}),
        file: f,
      }
      const list = out.get(name) ?? []
      list.push(doc)
      out.set(name, list)
    }
  }
  return out
}
