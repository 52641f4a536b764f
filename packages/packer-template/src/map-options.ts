import { packerJson } from '@tsimg/core'
import { goParseBool, shownValue } from '@tsimg/core/plugin'
import { packerError, type Where } from './errors.js'
import { code, hasCode } from './functions.js'
import { wholeCode } from './convert-code.js'
import { expandDynamic } from './hcl/dynamic.js'
import type { Body, BodyBlock, EvalSession } from './model.js'
import { isIgnored, isUnsupported, type FieldTable, type FieldType } from './plugins/table.js'

/** Where each tsimg option came from, to name the Packer field and line in later errors. */
export type Origins = Map<string, { packer: string; line: number }>

export interface MapInput {
  readonly body: Body
  readonly table: FieldTable
  readonly file: string
  /** `builders[0]` or `source "docker" "web"`: prefixes error fields. */
  readonly origin: string
  readonly session: EvalSession
  readonly source?: { type: string; name: string }
  /** Packer names the loader handles itself (type, name, only, override...). */
  readonly skip?: ReadonlySet<string>
}

/**
 * Evaluates a Packer body and maps its snake_case options to the tsimg plugin's camelCase
 * options through the plugin's table. Unknown and unsupported options are errors at their line.
 */
export function mapOptions(input: MapInput, origins: Origins = new Map(), prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const at = (line: number): Where => ({ file: input.file, line })
  const entries: { name: string; line: number; value: () => unknown; block?: BodyBlock }[] = [
    ...input.body.attrs
      .filter((a) => !input.skip?.has(a.name))
      .map((a) => ({ name: a.name, line: a.line, value: () => input.session.value(a.raw, input.file, a.line, input.source) })),
    // A `dynamic "tag"` block is checked as a `tag` block at its own line, then expanded in place.
    ...input.body.blocks.map((b) => ({ name: b.type === 'dynamic' ? (b.labels?.[0] ?? '') : b.type, line: b.line, value: () => undefined, block: b })),
  ]
  for (const e of entries) {
    const fieldPath = `${input.origin}.${prefix}${e.name}`
    if (e.block?.type === 'dynamic' && !e.name)
      throw packerError(at(e.line), `${input.origin}.${prefix}dynamic`, 'needs the name of the blocks it makes: dynamic "tag" { ... }')
    // HCL's JSON syntax has `"dynamic": {...}` as a key; tsimg reads *.pkr.json without plugin block schemas.
    if (!e.block && e.name === 'dynamic')
      throw packerError(
        at(e.line),
        `${input.origin}.${prefix}dynamic`,
        "dynamic blocks in HCL's JSON syntax (*.pkr.json) are not supported by tsimg",
        'Write the block with its dynamic block in a .pkr.hcl file of the same directory.',
      )
    const f = input.table[e.name]
    if (!f) {
      const known = Object.keys(input.table).filter((k) => {
        const t = input.table[k]!
        return !isUnsupported(t) && !isIgnored(t)
      })
      const close = known.filter((k) => k.includes(e.name) || e.name.includes(k) || k.split('_')[0] === e.name.split('_')[0]).slice(0, 5)
      throw packerError(at(e.line), fieldPath, 'unknown option', close.length ? `Did you mean: ${close.join(', ')}?` : `Known options: ${known.join(', ')}`)
    }
    if (isUnsupported(f)) throw packerError(at(e.line), fieldPath, 'is not supported by tsimg', f.unsupported)
    if (isIgnored(f)) continue
    let value: unknown
    if (e.block) {
      const sub = typeof f.type === 'object' ? ('object' in f.type ? f.type.object : f.type.list) : undefined
      if (!sub) throw packerError(at(e.line), fieldPath, `is an attribute, not a block: write ${e.name} = ...`)
      const made =
        e.block.type === 'dynamic'
          ? expandDynamic(e.block, { ...input, field: fieldPath })
          : [{ body: e.block.body, session: input.session, labels: e.block.labels ?? [] }]
      // Plugins' option blocks take no labels (HCL checks a dynamic block's `labels` the same way).
      if (made.some((b) => b.labels.length))
        throw packerError(
          at(e.line),
          fieldPath,
          `a ${e.name} block takes no labels`,
          e.block.type === 'dynamic' ? 'Leave out labels = [...].' : `Write ${e.name} { ... }.`,
        )
      const values = made.map((b) => mapOptions({ ...input, body: b.body, session: b.session, table: sub, skip: new Set() }, new Map(), `${prefix}${e.name}.`))
      // A dynamic block with nothing to iterate makes no block: the option stays as it was.
      if (!values.length) continue
      value = 'list' in (f.type as object) ? [...((out[f.option] as unknown[] | undefined) ?? []), ...values] : values[values.length - 1]
    } else {
      const given = e.value()
      // null is "not set", as HCL and Packer's decoding read it (`x = var.maybe` with a null default).
      if (given === null) continue
      value = convert(f.type, given, at(e.line), fieldPath, input)
      if (value === UNSET) continue
    }
    // One value Packer takes for a list option (security_group_id): a JSON variable's "" is no
    // entry, as unset; its text is the one entry.
    const single = typeof value === 'string' ? /^packerJson\.string\((.*)\)$/.exec(wholeCode(value) ?? '')?.[1] : undefined
    if (f.map && !e.block && single !== undefined && Array.isArray(f.map('probe'))) value = code(`packerJson.list(${single})`)
    else if (f.map && !e.block) value = f.map(value)
    out[f.option] = value
    if (!prefix) origins.set(f.option, { packer: e.name, line: e.line })
  }
  return out
}

/**
 * Packer JSON templates are decoded by mapstructure with WeaklyTypedInput and a "," slice hook;
 * HCL2 (and HCL's JSON syntax) by cty's conversions, which are stricter.
 */
function typing(file: string): 'loose' | 'hcl' {
  return /\.pkr\.(hcl|json)$|\.hcl$/.test(file) ? 'hcl' : 'loose'
}

/** cty's string-to-bool conversion. */
const HCL_BOOLS: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false }

/** convert of a JSON template: the core's packerJson reader of a string variable for each option type that is not a string. */
const LOOSE_READERS: Readonly<Record<string, string>> = { bool: 'bool', int: 'number', number: 'number', strings: 'list', ints: 'ints' }

/** `vars.x` / `vars["x"]`: a JSON template's variable, whose "" is Packer's unset. */
const isVariable = (c: string): boolean => /^vars(?:\.[A-Za-z_$][\w$]*|\["(?:[^"\\]|\\.)*"\])$/.test(c)

/** convert: `{{timestamp}}` alone as a string option's (or a tag's) value is its text, as Packer renders it; timestamp() is a number. */
function asText(v: string): string {
  return wholeCode(v) === 'timestamp()' ? code('String(timestamp())') : v
}

/** Marks an option given as Packer's zero value for "unset" (`""`), so it is left out. */
const UNSET = Symbol('unset')

function convert(type: FieldType, v: unknown, at: Where, field: string, input: MapInput): unknown {
  const shown = shownValue(v, [field])
  const bad = (what: string, why = '') => packerError(at, field, `expected ${what}, got ${shown}${why}`)
  const loose = typing(input.file) === 'loose'
  // A `vars.x` placeholder (tsimg convert) stands for a value of the right type. A JSON template's
  // variables are strings: for an option of another type, the code reads the text as Packer does.
  if (typeof v === 'string' && hasCode(v) && /^\u0001[^\u0002]*\u0002$/.test(v)) {
    const read = loose ? LOOSE_READERS[typeof type === 'string' ? type : ''] : undefined
    if (read) return code(`packerJson.${read}(${wholeCode(v)})`)
    if (type !== 'string') return v
    const text = asText(v)
    return loose && text === v && isVariable(wholeCode(v)!) ? code(`packerJson.string(${wholeCode(v)})`) : text
  }
  if (typeof type === 'object') {
    const sub = 'object' in type ? type.object : type.list
    const one = (o: unknown, i?: number) => {
      if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad('an object')
      const body: Body = { attrs: Object.entries(o).map(([name, raw]) => ({ name, raw, line: at.line })), blocks: [] }
      const pre = field.slice(input.origin.length + 1) + (i === undefined ? '' : `[${i}]`) + '.'
      return mapOptions({ ...input, body, table: sub, skip: new Set(), session: { value: (raw) => raw } }, new Map(), pre)
    }
    if ('object' in type) return one(v)
    if (!Array.isArray(v)) throw bad('a list of objects')
    return v.map((o, i) => one(o, i))
  }
  // Packer reads "" as a string option's zero value, which is what leaving it out gives.
  if (v === '' && (type === 'string' || (loose && type === 'int') || (loose && type === 'number'))) return UNSET
  switch (type) {
    case 'string':
      if (typeof v === 'string') return v
      if (typeof v === 'number') return String(v)
      // mapstructure's weak decoding writes a bool as "1"/"0"; cty writes "true"/"false".
      if (typeof v === 'boolean') return loose ? (v ? '1' : '0') : String(v)
      throw bad('a string')
    case 'bool':
      if (typeof v === 'boolean') return v
      if (typeof v === 'string' && loose && v === '') return false
      if (typeof v === 'string') {
        // mapstructure reads the text with Go's ParseBool (the core's, as packerJson.bool); cty its own four.
        const b = loose ? goParseBool(v) : HCL_BOOLS[v]
        if (b !== undefined) return b
      }
      if (typeof v === 'number' && loose) return v !== 0
      throw bad('a bool (true or false)')
    case 'int':
    case 'number': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : typeof v === 'boolean' && loose ? Number(v) : NaN
      if (Number.isNaN(n)) throw bad(type === 'int' ? 'a whole number' : 'a number')
      if (type === 'int' && !Number.isInteger(n)) {
        // mapstructure truncates a JSON number with a fraction; a string with one does not parse.
        if (loose && typeof v === 'number') return Math.trunc(n)
        throw bad('a whole number')
      }
      return n
    }
    case 'duration':
      if (typeof v === 'string' && v !== '') return v
      if (typeof v === 'number') return `${v}s`
      throw bad('a duration such as "30s" or "5m"')
    case 'strings':
    case 'ints': {
      const each = type === 'strings' ? 'string' : 'int'
      // Packer JSON: "a,b" is the list ["a", "b"], "" the empty list, one value a list of it.
      const list = Array.isArray(v)
        ? v
        : loose && typeof v === 'string'
          ? packerJson.list(v)
          : loose && (typeof v === 'number' || typeof v === 'boolean')
            ? [v]
            : undefined
      if (!list) throw bad(type === 'strings' ? 'a list of strings' : 'a list of whole numbers', loose ? '' : ' (HCL2 needs a list: ["a", "b"])')
      return list.map((x, i) => {
        const c = convert(each, x, at, `${field}[${i}]`, input)
        if (c === UNSET) return each === 'int' ? 0 : ''
        // An item keeps its text: "" stays "" in a list (packerJson.string would make it unset).
        const item = typeof c === 'string' ? /^packerJson\.string\((.*)\)$/.exec(wholeCode(c) ?? '')?.[1] : undefined
        return item === undefined ? c : code(item)
      })
    }
    case 'map':
      if (typeof v === 'object' && v !== null && !Array.isArray(v))
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? asText(x) : String(x)]))
      throw bad('a map of strings')
    case 'any':
      return v
  }
}
