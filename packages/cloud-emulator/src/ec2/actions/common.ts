import { CloudError } from '../../backend/errors.js'
import type { Cloud } from '../../backend/cloud.js'
import type { Reader } from '../query.js'
import type { XmlValue } from '../xml.js'

export interface ActionContext {
  readonly cloud: Cloud
  readonly region: string
  readonly requestId: string
}

export type Handler = (ctx: ActionContext, r: Reader) => Record<string, XmlValue> | Promise<Record<string, XmlValue>>

const RESOURCE_TYPES = new Set([
  'instance',
  'volume',
  'image',
  'snapshot',
  'security-group',
  'key-pair',
  'network-interface',
  'vpc',
  'subnet',
  'security-group-rule',
  'spot-instances-request',
  'elastic-gpu',
  'launch-template',
  'elastic-ip',
])

/** Tags from `TagSpecification.N` for one resource type; rejects types the action cannot tag. */
export function tagSpec(r: Reader, type: string, allowed: readonly string[]): Map<string, string> {
  const tags = new Map<string, string>()
  for (const spec of r.structs('TagSpecification')) {
    const t = spec.str('ResourceType')
    if (!t || !RESOURCE_TYPES.has(t)) throw new CloudError('InvalidParameterValue', `'${t ?? ''}' is not a valid taggable resource type.`)
    if (!allowed.includes(t)) throw new CloudError('InvalidParameterValue', `'${t}' is not a valid taggable resource type for this operation.`)
    if (t !== type) continue
    for (const tag of spec.structs('Tag')) tags.set(checkTagKey(tag.str('Key')), tag.str('Value') ?? '')
  }
  return tags
}

export function checkTagKey(key: string | undefined): string {
  if (!key) throw new CloudError('InvalidParameterValue', 'Tag key must not be empty')
  if (key.length > 128) throw new CloudError('InvalidParameterValue', 'Tag key exceeds the maximum length of 128 characters')
  if (key.toLowerCase().startsWith('aws:')) throw new CloudError('InvalidParameterValue', "Tag keys starting with 'aws:' are reserved for internal use")
  return key
}

const ID_SHAPES: Record<string, { re: RegExp; code: string }> = {
  ami: { re: /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/, code: 'InvalidAMIID.Malformed' },
  i: { re: /^i-[0-9a-f]{8}([0-9a-f]{9})?$/, code: 'InvalidInstanceID.Malformed' },
  snap: { re: /^snap-[0-9a-f]{8}([0-9a-f]{9})?$/, code: 'InvalidSnapshotID.Malformed' },
  vol: { re: /^vol-[0-9a-f]{8}([0-9a-f]{9})?$/, code: 'InvalidVolumeID.Malformed' },
  sg: { re: /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/, code: 'InvalidGroupId.Malformed' },
  subnet: { re: /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/, code: 'InvalidSubnetID.Malformed' },
  vpc: { re: /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/, code: 'InvalidVpcID.Malformed' },
}

/** Rejects ids that cannot be of the expected kind, as EC2 does before looking them up. */
export function checkId(kind: keyof typeof ID_SHAPES, id: string): string {
  const shape = ID_SHAPES[kind]!
  if (!shape.re.test(id)) throw new CloudError(shape.code, `Invalid id: "${id}" (expecting "${kind}-...")`)
  return id
}

export function checkIds(kind: keyof typeof ID_SHAPES, ids: readonly string[]): string[] {
  return ids.map((id) => checkId(kind, id))
}

/** NotFound for the ids among `wanted` that are not in `found`, worded like EC2. */
export function missing(code: string, what: string, wanted: readonly string[], found: ReadonlySet<string>): void {
  const gone = wanted.filter((id) => !found.has(id))
  if (gone.length === 1) throw new CloudError(code, `The ${what} '${gone[0]}' does not exist`)
  if (gone.length > 1) throw new CloudError(code, `The ${what}s '${gone.join(', ')}' do not exist`)
}

/**
 * One page of a Describe answer: MaxResults and NextToken as EC2 uses them (the token is
 * opaque to clients; here it is the next offset).
 */
export function page<T>(r: Reader, items: readonly T[], idsGiven = false): { items: T[]; nextToken?: string } {
  const max = r.int('MaxResults')
  const token = r.str('NextToken')
  if (max !== undefined && idsGiven) throw new CloudError('InvalidParameterCombination', 'The parameter MaxResults cannot be used with a list of resource IDs')
  if (max !== undefined && (max < 5 || max > 1000))
    throw new CloudError('InvalidParameterValue', `Value ( ${max} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`)
  let start = 0
  if (token) {
    start = Number(
      Buffer.from(token, 'base64url')
        .toString('utf8')
        .replace(/^page:/, ''),
    )
    if (!Number.isInteger(start) || start < 0 || start > items.length) throw new CloudError('InvalidParameterValue', `Invalid value '${token}' for nextToken`)
  }
  if (max === undefined) return { items: items.slice(start) }
  const end = start + max
  return { items: items.slice(start, end), nextToken: end < items.length ? Buffer.from(`page:${end}`).toString('base64url') : undefined }
}
