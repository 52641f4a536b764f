import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { Credentials } from '../front-end.js'
import { HuaweiError } from './errors.js'

export interface SignedRequest {
  readonly method: string
  /** The request target exactly as received: raw path plus query. */
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

const ALGORITHM = 'SDK-HMAC-SHA256'
/** APIG refuses a request whose X-Sdk-Date is further than this from its clock. */
const MAX_SKEW_MS = 15 * 60 * 1000

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex')

/** RFC 3986 percent-encoding: only A-Z a-z 0-9 - _ . ~ stay as they are. */
function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * The canonical URI: the path as sent (already encoded by the client), each segment encoded
 * once more, with a trailing slash. Written from the algorithm in Huawei's API signing guide,
 * not from the SDK, so the two check each other.
 */
function canonicalUri(rawPath: string): string {
  const encoded = rawPath.split('/').map(rfc3986).join('/')
  return encoded.endsWith('/') ? encoded : `${encoded}/`
}

function canonicalQuery(rawQuery: string): string {
  const grouped = new Map<string, string[]>()
  for (const [k, v] of new URLSearchParams(rawQuery)) grouped.set(k, [...(grouped.get(k) ?? []), v])
  return [...grouped.keys()]
    .sort()
    .flatMap((k) => [...grouped.get(k)!].sort().map((v) => `${rfc3986(k)}=${rfc3986(v)}`))
    .join('&')
}

function parseAuthorization(value: string | undefined): { access: string; signedHeaders: string[]; signature: string } {
  const m = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/.exec(value ?? '')
  if (!m) throw HuaweiError.apigw('APIGW.0301', 'Incorrect IAM authentication information: Authorization header is missing or malformed', 401)
  return { access: m[1]!, signedHeaders: m[2]!.split(';'), signature: m[3]! }
}

/** Parses X-Sdk-Date (YYYYMMDDTHHmmssZ). */
function parseSdkDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (!m) return Number.NaN
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)
}

/**
 * Verifies an SDK-HMAC-SHA256 request and returns the credentials that signed it; throws
 * APIGW.0301 (401) as API Gateway does for an unknown AK, a bad signature or a stale date.
 */
export function verifySignature(req: SignedRequest, accepted: readonly Credentials[], now = Date.now()): Credentials {
  const auth = parseAuthorization(header(req.headers, 'authorization'))
  const credentials = accepted.find((c) => c.accessKeyId === auth.access)
  if (!credentials)
    throw HuaweiError.apigw('APIGW.0301', `Incorrect IAM authentication information: Get secretKey failed,ak:${auth.access},err:ak not exist`, 401)
  const date = header(req.headers, 'x-sdk-date') ?? ''
  const when = parseSdkDate(date)
  if (!auth.signedHeaders.includes('x-sdk-date') || Number.isNaN(when) || Math.abs(now - when) > MAX_SKEW_MS)
    throw HuaweiError.apigw('APIGW.0301', 'Incorrect IAM authentication information: x-sdk-date is missing, malformed or expired', 401)
  // Exactly the headers the client listed are verified, as API Gateway does: Huawei's own Go
  // SDK signs only the headers it sets (x-sdk-date, x-project-id, ...) and not `host`, and the
  // real gateway accepts that. A listed header the request lacks signs as an empty value.
  const [rawPath = '/', rawQuery = ''] = splitOnce(req.url, '?')
  const headers = auth.signedHeaders.map((h) => `${h}:${(header(req.headers, h.toLowerCase()) ?? '').trim()}\n`).join('')
  const payload = header(req.headers, 'x-sdk-content-sha256') ?? sha256(req.body)
  const canonical = [req.method, canonicalUri(rawPath), canonicalQuery(rawQuery), headers, auth.signedHeaders.join(';'), payload].join('\n')
  const stringToSign = `${ALGORITHM}\n${date}\n${sha256(canonical)}`
  const expected = createHmac('sha256', credentials.secretAccessKey).update(stringToSign, 'utf8').digest()
  const given = Buffer.from(auth.signature, 'hex')
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw HuaweiError.apigw('APIGW.0301', 'Incorrect IAM authentication information: verify aksk signature fail', 401)
  // Temporary credentials: the token must come, signed, with every request.
  if (
    credentials.sessionToken !== undefined &&
    (header(req.headers, 'x-security-token') !== credentials.sessionToken || !auth.signedHeaders.includes('x-security-token'))
  )
    throw HuaweiError.apigw('APIGW.0301', 'Incorrect IAM authentication information: the security token is missing or invalid', 401)
  return credentials
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v.join(',') : v
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep)
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)]
}
