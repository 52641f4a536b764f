import { XMLBuilder, XMLParser } from 'fast-xml-parser'

/**
 * vim25 values as this client writes and reads them, on fast-xml-parser:
 * - a managed object reference is a `MoRef` ({ type, value }, made with `ref()`);
 * - a data object whose WSDL type must be named (a subtype where a base type is declared, e.g.
 *   `CustomizationLinuxPrep` for `identity`) carries `$type`;
 * - a primitive in an `anyType` slot (OptionValue.value) is `typed('xsd:string', 'x')`;
 * - arrays repeat their element; key order is element order (vCenter checks WSDL order).
 */
export interface MoRef {
  readonly $ref: true
  readonly type: string
  readonly value: string
}
export type XmlValue = string | number | boolean | MoRef | XmlObject | readonly XmlValue[] | undefined
export interface XmlObject {
  readonly [key: string]: XmlValue
}

export const ref = (type: string, value: string): MoRef => ({ $ref: true, type, value })
export const isRef = (v: unknown): v is MoRef => typeof v === 'object' && v !== null && (v as MoRef).$ref === true
/** A primitive in an `xsd:anyType` slot. */
export const typed = (type: string, value: string | number | boolean): XmlObject => ({ $type: type, $text: String(value) })

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', suppressEmptyNode: false, processEntities: true })

/** Turns a value into fast-xml-parser's builder input. */
function toBuilder(v: XmlValue): unknown {
  if (v === undefined) return undefined
  if (typeof v !== 'object') return String(v)
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(toBuilder)
  if (isRef(v)) return { '@_type': v.type, '#text': v.value }
  const o = v as XmlObject
  const out: Record<string, unknown> = {}
  if (typeof o.$type === 'string') out['@_xsi:type'] = o.$type
  if (o.$text !== undefined) out['#text'] = String(o.$text)
  for (const [k, x] of Object.entries(o)) {
    if (k === '$type' || k === '$text' || x === undefined) continue
    if (Array.isArray(x) && x.length === 0) continue
    out[k] = toBuilder(x)
  }
  return out
}

/** The SOAP envelope of one vim25 method call on `self`. */
export function envelope(method: string, self: MoRef, args: XmlObject): string {
  const body = builder.build({ [method]: { '@_xmlns': 'urn:vim25', _this: toBuilder(self), ...(toBuilder(args) as object) } }) as string
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
  )
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  removeNSPrefix: false,
  processEntities: true,
})

const local = (name: string) => name.slice(name.indexOf(':') + 1)

/**
 * A parsed answer: element names without namespace prefixes, MoRefs as `MoRef`, `xsi:type` as
 * `$type`, leaves as strings (callers convert numbers and booleans they expect).
 */
export type Parsed = string | MoRef | ParsedObject | Parsed[]
export interface ParsedObject {
  readonly [key: string]: Parsed | undefined
}

function normalize(node: unknown): Parsed {
  if (node === null || node === undefined) return ''
  if (typeof node !== 'object') return String(node)
  if (Array.isArray(node)) return node.map(normalize)
  const o = node as Record<string, unknown>
  const keys = Object.keys(o)
  // xsi:type under whatever prefix the server bound the XSI namespace to (govmomi writes
  // `XMLSchema-instance:type`); the unprefixed `type` is a managed object reference's.
  const typeAttr = keys.find((k) => k.startsWith('@_') && k.includes(':') && k.endsWith(':type'))
  const xsiType = typeAttr && typeof o[typeAttr] === 'string' ? local(o[typeAttr] as string) : undefined
  const children = keys.filter((k) => !k.startsWith('@_') && k !== '#text')
  if (typeof o['@_type'] === 'string' && children.length === 0) return ref(o['@_type'] as string, String(o['#text'] ?? ''))
  if (children.length === 0) {
    if (xsiType && o['#text'] === undefined) return { $type: xsiType }
    return String(o['#text'] ?? '')
  }
  const out: Record<string, Parsed> = {}
  if (xsiType) out.$type = xsiType
  for (const k of children) out[local(k)] = normalize(o[k])
  return out
}

/** The SOAP body's first element (the `<Method>Response` or `Fault`), normalized. */
export function parseBody(xml: string): { name: string; value: Parsed } {
  const doc = parser.parse(xml) as Record<string, unknown>
  const envKey = Object.keys(doc).find((k) => local(k) === 'Envelope')
  const env = envKey ? (doc[envKey] as Record<string, unknown>) : undefined
  const bodyKey = env && Object.keys(env).find((k) => local(k) === 'Body')
  const body = bodyKey ? (env![bodyKey] as Record<string, unknown>) : undefined
  const first = body && Object.keys(body).find((k) => !k.startsWith('@_'))
  if (!first) throw new Error('the answer is not a SOAP envelope with a body')
  return { name: local(first), value: normalize(body![first]) }
}

/** A parsed value as a list (one element parses as itself, none as undefined). */
export function list(v: Parsed | undefined): Parsed[] {
  if (v === undefined || v === '') return []
  return Array.isArray(v) ? v : [v]
}

export function obj(v: Parsed | undefined): ParsedObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isRef(v) ? (v as ParsedObject) : {}
}

export function str(v: Parsed | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined
}

export function moref(v: Parsed | undefined): MoRef | undefined {
  return isRef(v) ? v : undefined
}
