import { randomUUID } from 'node:crypto'
import { relative, sep } from 'node:path'
import { CODE_FUNCTIONS, operand } from '../convert-code.js'
import { EvalError } from '../errors.js'
import { cleanResourceName, code, formatGoTime, hasCode } from '../functions.js'
import type { EvalContext } from '../model.js'

/**
 * Packer's JSON template engine (Go text/template with Packer's functions), for the subset
 * templates use: `{{ fn arg ... }}` with backtick or double-quoted strings, pipes
 * (`{{ timestamp | clean_resource_name }}`), and `{{ .Name }}` build-time values, which stay
 * as placeholders until the build has them.
 */
export function renderGoTemplate(text: string, ctx: EvalContext & { templateDir: string; userVars: Record<string, unknown>; inVariables: boolean }): string {
  return text.replace(/\{\{-?\s*([\s\S]*?)\s*-?\}\}/g, (whole, body: string) => {
    const value = pipeline(tokenize(body), ctx)
    return value === undefined ? whole : value
  })
}

type Token = { t: 'str' | 'word' | 'field' | 'num' | 'pipe' | 'open' | 'close'; v: string }

function tokenize(s: string): Token[] {
  const out: Token[] = []
  const re = /\s*(?:`([^`]*)`|"((?:[^"\\]|\\.)*)"|(\|)|(\()|(\))|(\.[A-Za-z_]\w*)|(-?\d+)|([A-Za-z_]\w*))/y
  let m: RegExpExecArray | null
  while (re.lastIndex < s.length && (m = re.exec(s))) {
    if (m[1] !== undefined) out.push({ t: 'str', v: m[1] })
    else if (m[2] !== undefined) out.push({ t: 'str', v: JSON.parse(`"${m[2]}"`) as string })
    else if (m[3]) out.push({ t: 'pipe', v: '|' })
    else if (m[4]) out.push({ t: 'open', v: '(' })
    else if (m[5]) out.push({ t: 'close', v: ')' })
    else if (m[6]) out.push({ t: 'field', v: m[6].slice(1) })
    else if (m[7]) out.push({ t: 'num', v: m[7] })
    else if (m[8]) out.push({ t: 'word', v: m[8] })
    if (/^\s*$/.test(s.slice(re.lastIndex))) break
  }
  if (re.lastIndex < s.trimEnd().length)
    throw new EvalError(`cannot read the template expression {{ ${s} }}`, 'tsimg reads Packer functions with string, number and .Field arguments, and pipes.')
  return out
}

/** Returns undefined to leave a `{{ .Field }}` placeholder for the build to fill. */
function pipeline(tokens: Token[], ctx: Parameters<typeof renderGoTemplate>[1]): string | undefined {
  const stages: Token[][] = [[]]
  let depth = 0
  for (const tok of tokens) {
    if (tok.t === 'open') depth++
    if (tok.t === 'close') depth--
    if (tok.t === 'pipe' && depth === 0) stages.push([])
    else stages[stages.length - 1]!.push(tok)
  }
  let piped: string | undefined
  for (const [i, stage] of stages.entries()) {
    const r = command(stage, ctx, i === 0 ? undefined : piped)
    if (r === undefined) return undefined
    piped = r
  }
  return piped
}

function command(tokens: Token[], ctx: Parameters<typeof renderGoTemplate>[1], piped?: string): string | undefined {
  const [head, ...rest] = tokens
  if (!head) throw new EvalError('empty template expression {{ }}')
  if (head.t === 'field') {
    if (rest.length) throw new EvalError(`{{ .${head.v} ... }}: a field takes no arguments`)
    return undefined
  }
  if (head.t !== 'word') throw new EvalError(`{{ ${head.v} }}: expected a function name`)
  const args: string[] = []
  for (let i = 0; i < rest.length; i++) {
    const tok = rest[i]!
    if (tok.t === 'open') {
      let depth = 1
      let j = i + 1
      for (; j < rest.length && depth; j++) depth += rest[j]!.t === 'open' ? 1 : rest[j]!.t === 'close' ? -1 : 0
      const inner = pipeline(rest.slice(i + 1, j - 1), ctx)
      if (inner === undefined) throw new EvalError(`build-time values cannot be passed to ${head.v}`)
      args.push(inner)
      i = j - 1
    } else if (tok.t === 'str' || tok.t === 'num') args.push(tok.v)
    else throw new EvalError(`{{ ${head.v} }}: unexpected ${tok.v}`)
  }
  if (piped !== undefined) args.push(piped)
  return call(head.v, args, ctx)
}

function call(name: string, a: string[], ctx: Parameters<typeof renderGoTemplate>[1]): string | undefined {
  const conv = ctx.mode === 'convert'
  const plain = (s: string, fn: string) => {
    if (hasCode(s)) throw new EvalError(`${fn} over a variable cannot be converted to TypeScript yet`, 'Write this value by hand in the converted image.ts.')
    return s
  }
  switch (name) {
    case 'user': {
      const n = a[0] ?? ''
      if (ctx.inVariables) {
        // Packer renders variables that use other variables once those are known: the build does
        // (json/variables.ts), and so does the converted image.ts (renderVariables), so the text stays.
        return undefined
      }
      if (!(n in ctx.userVars)) {
        // Packer renders a variable no one declared or set as "", for a var-file may set it.
        if (conv) {
          // The image.ts declares it, with Packer's "" as its default, so a var-file can still set it.
          if (!ctx.undeclared) throw new EvalError(`{{user \`${n}\`}}: the template declares no variable "${n}"`)
          ctx.undeclared.add(n)
          return code(/^[A-Za-z_$][\w$]*$/.test(n) ? `vars.${n}` : `vars[${JSON.stringify(n)}]`)
        }
        return ''
      }
      const v = ctx.userVars[n]
      return typeof v === 'string' ? v : JSON.stringify(v)
    }
    case 'env':
      return conv ? code(`env(${JSON.stringify(a[0])})`) : (ctx.env[a[0] ?? ''] ?? '')
    case 'timestamp':
      return conv ? code('timestamp()') : String(ctx.timestamp)
    case 'uuid':
      return conv ? code('uuid()') : randomUUID()
    case 'isotime':
      if (conv) return code(a[0] === undefined ? 'isotime()' : `isotime(${JSON.stringify(plain(a[0], 'isotime'))})`)
      return formatGoTime(a[0] ?? '2006-01-02T15:04:05Z07:00', new Date(ctx.timestamp * 1000))
    case 'build': {
      // Packer's {{ build `ID` }}: a value the builder makes (the instance id, host...), filled when the build has it.
      const n = a[0] ?? ''
      if (!/^\w+$/.test(n)) throw new EvalError(`{{ build \`${n}\` }}: expected the name of a build-time value such as ID, Host or SSHPublicKey`)
      return `{{ .${n} }}`
    }
    case 'build_name':
      return ctx.source ? ctx.source.name : '{{ .BuildName }}'
    case 'build_type':
      return ctx.source ? ctx.source.type : '{{ .BuilderType }}'
    case 'template_dir':
      if (!conv) return ctx.templateDir
      {
        // The image.ts's templateDir is where it is written: the Packer template's folder from there.
        // A variable's default is written outside build(), where templateDir is not in scope: the
        // image.ts's own folder is import.meta.dirname there.
        const dir = ctx.inVariables ? 'import.meta.dirname' : 'templateDir'
        const rel = ctx.outputDir === undefined ? '' : relative(ctx.outputDir, ctx.templateDir).split(sep).join('/')
        return code(rel ? `(${dir} + ${JSON.stringify(`/${rel}`)})` : dir)
      }
    case 'pwd':
      return conv ? code('process.cwd()') : ctx.cwd
    case 'split': {
      // convert: of a variable, `vars.x.split(",")[1]`; the others likewise as the TypeScript computing them.
      if (conv && hasCode(a[0] ?? '')) return code(`${operand(a[0])}.split(${JSON.stringify(plain(a[1] ?? '', 'split'))})[${Number(a[2] ?? 0)}]`)
      const parts = plain(a[0] ?? '', 'split').split(a[1] ?? '')
      const i = Number(a[2] ?? 0)
      if (!(i >= 0 && i < parts.length)) throw new EvalError(`split: index ${a[2]} is out of range (${parts.length} parts)`)
      return parts[i]
    }
    case 'replace': {
      // Go: strings.Replace(s, old, new, n) with the template's order: replace old new n s.
      const [oldS, newS, n, s] = a
      if (conv && hasCode(s ?? '') && Number(n ?? -1) < 0) return splitJoin(s!, oldS ?? '', newS ?? '')
      // n = 1 (image-builder's `replace "v" "" 1`): JavaScript's replace with a string replaces the first one, as Go does.
      if (conv && hasCode(s ?? '') && Number(n) === 1 && oldS) {
        if (hasCode(oldS) || hasCode(newS ?? ''))
          throw new EvalError('replace over a variable cannot be converted to TypeScript yet', 'Write this value by hand in the converted image.ts.')
        return code(`${operand(s)}.replace(${JSON.stringify(oldS)}, ${JSON.stringify(newS ?? '')})`)
      }
      let out = plain(s ?? '', 'replace')
      let count = Number(n ?? -1)
      while (count !== 0 && out.includes(oldS ?? '')) {
        out = out.replace(oldS ?? '', newS ?? '')
        count--
        if (oldS === '') break
      }
      return out
    }
    case 'replace_all':
      if (conv && hasCode(a[2] ?? '')) return splitJoin(a[2]!, a[0] ?? '', a[1] ?? '')
      return plain(a[2] ?? '', 'replace_all')
        .split(a[0] ?? '')
        .join(a[1] ?? '')
    case 'lower':
    case 'upper':
      // convert: of a variable, the TypeScript computing it (`vars.x.toLowerCase()`).
      if (conv && hasCode(a[0] ?? '')) return CODE_FUNCTIONS[name]!(a[0]) as string
      return name === 'lower' ? (a[0] ?? '').toLowerCase() : (a[0] ?? '').toUpperCase()
    case 'clean_resource_name':
      return conv && hasCode(a[0] ?? '') ? a[0] : cleanResourceName(a[0] ?? '')
    default:
      throw new EvalError(
        `template function ${name} is not supported by tsimg`,
        'Supported: user, env, build, timestamp, isotime, uuid, build_name, build_type, template_dir, pwd, split, replace, replace_all, lower, upper, clean_resource_name.',
      )
  }
}

/** convert: every `old` in a variable's text replaced, as TypeScript. */
function splitJoin(s: string, oldS: string, newS: string): string {
  if (hasCode(oldS) || hasCode(newS))
    throw new EvalError('replace over a variable cannot be converted to TypeScript yet', 'Write this value by hand in the converted image.ts.')
  return code(`${operand(s)}.split(${JSON.stringify(oldS)}).join(${JSON.stringify(newS)})`)
}
