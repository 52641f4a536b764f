import * as ec2 from '@aws-sdk/client-ec2'
import { XMLParser } from 'fast-xml-parser'

/**
 * The EC2 service model as @aws-sdk/client-ec2 ships it (its static Smithy schemas: one array
 * per shape, `[3, ns, name, traits, memberNames, members]` for a structure, `[1, ...]` a list,
 * `[2, ...]` a map, `[9, ns, name, traits, input, output]` an operation; simple members are
 * numbers: 0 string, 1 number, 2 boolean, 4-7 timestamp, 21 blob, 64|n a list of n), walked to
 * check the emulator's XML answers and the request parameters it reads.
 */
type Ref = number | (() => unknown) | unknown[]
type Traits = { xmlName?: string; ec2QueryName?: string } | number

export type Shape =
  | { kind: 'string' | 'number' | 'boolean' | 'timestamp' | 'blob' | 'document' }
  | { kind: 'list'; name: string; member: Shape; itemName: string }
  | { kind: 'map'; name: string }
  | { kind: 'struct'; name: string; members: ReadonlyArray<{ name: string; xmlName: string; queryName: string; shape: () => Shape }> }

const SIMPLE: Record<number, Shape['kind']> = {
  0: 'string',
  1: 'number',
  2: 'boolean',
  4: 'timestamp',
  5: 'timestamp',
  6: 'timestamp',
  7: 'timestamp',
  21: 'blob',
  15: 'document',
}
const cache = new Map<unknown, Shape>()

function split(entry: unknown): [Ref, Traits] {
  // A member is `ref` or `[ref, traits]`; a shape array is longer and starts with its type code.
  if (Array.isArray(entry) && entry.length === 2 && (typeof entry[1] === 'object' || typeof entry[1] === 'number')) return [entry[0] as Ref, entry[1] as Traits]
  return [entry as Ref, 0]
}

function shapeOf(ref: Ref): Shape {
  if (typeof ref === 'number') {
    if (ref & 64) return { kind: 'list', name: 'list', member: shapeOf(ref & ~64), itemName: 'item' }
    if (ref & 128) return { kind: 'map', name: 'map' }
    return { kind: SIMPLE[ref] ?? 'document' } as Shape
  }
  const schema = (typeof ref === 'function' ? ref() : ref) as unknown[]
  const hit = cache.get(schema)
  if (hit) return hit
  const [code, , name] = schema as [number, string, string]
  let shape: Shape
  if (code === 3 || code === -3) {
    const names = schema[4] as string[]
    const members = (schema[5] as unknown[]).map((m, i) => {
      const [r, traits] = split(m)
      const t = typeof traits === 'object' ? traits : {}
      const member = names[i]!
      // EC2's query name: ec2QueryName, else xmlName with a capital first letter, else the member name.
      const queryName = t.ec2QueryName ?? (t.xmlName ? t.xmlName[0]!.toUpperCase() + t.xmlName.slice(1) : member)
      return { name: member, xmlName: t.xmlName ?? member, queryName, shape: () => shapeOf(r) }
    })
    shape = { kind: 'struct', name, members }
  } else if (code === 1) {
    const [r, traits] = split(schema[4])
    shape = { kind: 'list', name, member: { kind: 'string' }, itemName: (typeof traits === 'object' && traits.xmlName) || 'member' }
    cache.set(schema, shape)
    ;(shape as { member: Shape }).member = shapeOf(r)
    return shape
  } else if (code === 2) {
    shape = { kind: 'map', name }
  } else {
    shape = { kind: 'document' }
  }
  cache.set(schema, shape)
  return shape
}

/** The input and output shapes of an EC2 operation (`DescribeImages`). */
export function operation(action: string): { input: Shape; output: Shape } | undefined {
  const op = (ec2 as unknown as Record<string, unknown>)[`${action}$`] as unknown[] | undefined
  if (!Array.isArray(op) || op[0] !== 9) return undefined
  return { input: shapeOf(op[4] as Ref), output: shapeOf(op[5] as Ref) }
}

export interface CheckReport {
  readonly checked: string[]
  readonly mismatches: string[]
  readonly undeclared: string[]
}

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Checks one parsed XML value against a shape. */
function check(value: unknown, shape: Shape, at: string, r: CheckReport): void {
  if (at) r.checked.push(at)
  const bad = (why: string): void => void r.mismatches.push(`${at}: ${why}`)
  switch (shape.kind) {
    case 'string':
    case 'document':
      if (typeof value === 'object' && value !== null && shape.kind === 'string') bad(`an element where the model has a string`)
      return
    case 'number':
      if (typeof value !== 'string' || !NUMBER.test(value)) bad(`${JSON.stringify(value)} is not a number`)
      return
    case 'boolean':
      if (value !== 'true' && value !== 'false') bad(`${JSON.stringify(value)} is not true/false`)
      return
    case 'timestamp':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(value))
        bad(`${JSON.stringify(value)} is not an ISO 8601 timestamp`)
      return
    case 'blob':
      if (typeof value !== 'string' || !BASE64.test(value)) bad('not base64')
      return
    case 'map':
      return
    case 'list': {
      if (value === '' || value === undefined) return
      if (typeof value !== 'object' || value === null) return bad(`${JSON.stringify(value)} where the model has a list (${shape.name})`)
      for (const [k, v] of Object.entries(value)) {
        if (k !== shape.itemName) {
          r.undeclared.push(`${at}.${k}`)
          continue
        }
        ;(Array.isArray(v) ? v : [v]).forEach((x, i) => check(x, shape.member, `${at}[${i}]`, r))
      }
      return
    }
    case 'struct': {
      if (value === '') return
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return bad(`${JSON.stringify(value)} where the model has a structure (${shape.name})`)
      for (const [k, v] of Object.entries(value)) {
        const member = shape.members.find((m) => m.xmlName === k)
        const sub = at ? `${at}.${k}` : k
        if (!member) {
          r.undeclared.push(sub)
          continue
        }
        // A repeated element where a single one is declared would be read as one value.
        if (Array.isArray(v) && member.shape().kind !== 'list') bad(`${sub} repeated where the model has one`)
        else check(v, member.shape(), sub, r)
      }
    }
  }
}

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true })

/** Checks an EC2 XML answer (`<ActionResponse>`) against the action's output shape. */
export function checkAnswer(action: string, xml: string): CheckReport {
  const r: CheckReport = { checked: [], mismatches: [], undeclared: [] }
  const op = operation(action)
  if (!op) return { ...r, mismatches: [`${action}: no such operation in the EC2 model`] }
  const doc = parser.parse(xml) as Record<string, Record<string, unknown>>
  const body = doc[`${action}Response`]
  if (body === undefined) return { ...r, mismatches: [`${action}: the answer's root is not <${action}Response>`] }
  const { requestId, ...members } = typeof body === 'object' ? body : {}
  if (typeof requestId !== 'string' || !requestId) r.mismatches.push('requestId: missing')
  check(members, op.output, '', r)
  return r
}

/**
 * Whether a request parameter path (query names, list positions left out:
 * `BlockDeviceMapping.Ebs.VolumeType`) is a member of the action's input shape.
 */
export function inputHas(action: string, path: readonly string[]): boolean {
  const op = operation(action)
  if (!op) return false
  let shape: Shape = op.input
  for (const seg of path) {
    while (shape.kind === 'list') shape = shape.member
    if (shape.kind !== 'struct') return false
    const member = shape.members.find((m) => m.queryName === seg)
    if (!member) return false
    shape = member.shape()
  }
  return true
}
