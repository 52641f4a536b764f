import { Ecs, Vpc } from '../alicloud-sdk.js'

/**
 * The model classes of Alibaba's Node SDKs (@alicloud/ecs20140526, @alicloud/vpc20160428): each
 * has static `names()` (property -> wire name) and `types()` (property -> 'string' | 'number' |
 * 'boolean' | 'any' | 'map' | { type: 'array', itemType } | { type: 'map', ... } | a model class),
 * the very tables the SDK casts answers with. Checked here strictly: the SDK itself converts a
 * number sent for a string, Packer's Go SDK and others need not.
 */
type ModelClass = { names(): Record<string, string>; types(): Record<string, unknown>; name: string }

export interface CheckReport {
  readonly checked: string[]
  readonly mismatches: string[]
  readonly undeclared: string[]
}

const PACKAGES = { Ecs, Vpc } as unknown as Record<string, Record<string, unknown>>

/** The model class of a product's action part: `responseBody('Ecs', 'DescribeImages')`. */
function modelClass(product: string, name: string): ModelClass | undefined {
  const c = PACKAGES[product]?.[name]
  return typeof c === 'function' && typeof (c as ModelClass).names === 'function' ? (c as ModelClass) : undefined
}

const jsonType = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v)

function check(value: unknown, type: unknown, at: string, r: CheckReport): void {
  r.checked.push(at)
  const bad = (declared: string): void =>
    void r.mismatches.push(`${at}: sent ${jsonType(value)} ${JSON.stringify(value)?.slice(0, 50)}, model declares ${declared}`)
  if (value === null || value === undefined) return
  if (typeof type === 'string') {
    if (type === 'any' || type === 'map' || type === 'Readable' || type === 'Buffer') return
    if (typeof value !== type) bad(type)
    return
  }
  if (typeof type === 'function') {
    const cls = type as ModelClass
    if (typeof value !== 'object' || Array.isArray(value)) return bad(cls.name)
    walk(value as Record<string, unknown>, cls, at, r)
    return
  }
  const t = type as { type?: string; itemType?: unknown; valueType?: unknown }
  if (t.type === 'array') {
    if (!Array.isArray(value)) return bad('array')
    value.forEach((x, i) => check(x, t.itemType, `${at}[${i}]`, r))
    return
  }
  if (t.type === 'map') {
    if (typeof value !== 'object' || Array.isArray(value)) return bad('map')
    return
  }
  r.mismatches.push(`${at}: the model's type ${JSON.stringify(type)} is not one this check knows`)
}

function walk(value: Record<string, unknown>, cls: ModelClass, at: string, r: CheckReport): void {
  const names = cls.names()
  const types = cls.types()
  const byWire = new Map(Object.entries(names).map(([prop, wire]) => [wire, prop]))
  for (const [k, v] of Object.entries(value)) {
    const prop = byWire.get(k)
    const sub = at ? `${at}.${k}` : k
    if (!prop) r.undeclared.push(sub)
    else check(v, types[prop], sub, r)
  }
}

/** Checks an answer body against `<Action>ResponseBody` of the product's SDK. */
export function checkAnswer(product: string, action: string, body: unknown): CheckReport {
  const r: CheckReport = { checked: [], mismatches: [], undeclared: [] }
  const cls = modelClass(product, `${action}ResponseBody`)
  if (!cls) return { ...r, mismatches: [`${product}.${action}: no ResponseBody model`] }
  if (typeof body !== 'object' || body === null) return { ...r, mismatches: [`${product}.${action}: the answer is not a JSON object`] }
  walk(body as Record<string, unknown>, cls, '', r)
  return r
}

/**
 * Whether a request parameter name (`SystemDisk.Category`, `Tag`, `InstanceIds`) is declared by
 * `<Action>Request` (its wire names; a dotted name descends into the member's class).
 */
export function requestHas(product: string, action: string, name: string): boolean {
  let cls = modelClass(product, `${action}Request`)
  const parts = name.split('.')
  for (const [i, part] of parts.entries()) {
    if (!cls) return false
    const prop = Object.entries(cls.names()).find(([, wire]) => wire === part)?.[0]
    if (!prop) return false
    if (i === parts.length - 1) return true
    let t = cls.types()[prop] as unknown
    if (t && typeof t === 'object' && (t as { type?: string }).type === 'array') t = (t as { itemType: unknown }).itemType
    cls = typeof t === 'function' ? (t as ModelClass) : undefined
  }
  return false
}
