import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { aliError } from './errors.js'

/** An AccessKey pair the emulator accepts; a security token makes it an STS credential. */
export interface AliCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** When set, requests must carry this token (x-acs-security-token or SecurityToken). */
  readonly sessionToken?: string
}

/** Alibaba's percent-encoding (RFC 3986 unreserved only), used by both signature schemes. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')

function sameString(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))
}

function findCredentials(accessKeyId: string, credentials: readonly AliCredentials[]): AliCredentials {
  const found = credentials.find((c) => c.accessKeyId === accessKeyId)
  if (!found) throw aliError('InvalidAccessKeyId.NotFound')
  return found
}

function checkToken(creds: AliCredentials, token: string | undefined): void {
  if (creds.sessionToken === undefined) return
  if (!token) throw aliError('InvalidSecurityToken.Malformed')
  if (!sameString(token, creds.sessionToken)) throw aliError('InvalidSecurityToken.Mismatch')
}

/** Requests signed more than 15 minutes away from the server clock are refused. */
function checkClock(timestamp: string): void {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(timestamp)) throw aliError('InvalidTimeStamp.Format')
  if (Math.abs(Date.now() - Date.parse(timestamp)) > 15 * 60 * 1000) throw aliError('InvalidTimeStamp.Expired')
}

export interface Acs3Request {
  readonly method: string
  readonly pathname: string
  /** Query parameters as decoded from the request line. */
  readonly query: ReadonlyMap<string, string>
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: Buffer
}

const ACS3 = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/

/**
 * Verifies the ACS3-HMAC-SHA256 `Authorization` header (the Node SDK's default) by
 * building the canonical request the SDK builds and signing it with the known secret.
 */
export function verifyAcs3(req: Acs3Request, credentials: readonly AliCredentials[]): AliCredentials {
  const auth = String(req.headers['authorization'] ?? '')
  const m = ACS3.exec(auth)
  if (!m) throw aliError('IncompleteSignature')
  const [, accessKeyId, signedHeaders, signature] = m as unknown as [string, string, string, string]
  const creds = findCredentials(accessKeyId, credentials)
  checkToken(creds, header(req.headers, 'x-acs-security-token'))
  checkClock(header(req.headers, 'x-acs-date') ?? '')
  const payloadHash = sha256Hex(req.body)
  const claimed = header(req.headers, 'x-acs-content-sha256')
  if (claimed !== undefined && claimed !== payloadHash)
    throw aliError('IncompleteSignature', 'The x-acs-content-sha256 header does not match the request body.')
  const names = signedHeaders.split(';')
  // The SDK signs every x-acs-* header and host: an unsigned one could be changed in transit.
  for (const name of Object.keys(req.headers)) {
    if ((name.startsWith('x-acs-') || name === 'host') && !names.includes(name)) throw aliError('IncompleteSignature', `The header ${name} must be signed.`)
  }
  let canonicalHeaders = ''
  for (const name of names) {
    const value = header(req.headers, name)
    if (value === undefined) throw aliError('IncompleteSignature', `The signed header ${name} is missing.`)
    canonicalHeaders += `${name}:${value.trim()}\n`
  }
  const canonicalQuery = [...req.query.keys()]
    .sort()
    .map((k) => `${k}=${percentEncode(req.query.get(k)!)}`)
    .join('&')
  const canonicalUri = req.pathname.replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~')
  const canonicalRequest = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n')
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`
  const expected = createHmac('sha256', creds.secretAccessKey).update(stringToSign).digest('hex')
  if (!sameString(expected, signature))
    throw aliError('SignatureDoesNotMatch', `Specified signature does not match our calculation. server StringToSign is [${stringToSign}]`)
  return creds
}

/**
 * Verifies the RPC (v1) HMAC-SHA1 signature that older SDKs, the Go SDK and Packer send:
 * every parameter (query and form body alike) but Signature, sorted and encoded.
 */
export function verifyRpcV1(method: string, params: ReadonlyMap<string, string>, credentials: readonly AliCredentials[]): AliCredentials {
  const signature = params.get('Signature')
  if (!signature) throw aliError('MissingSignature')
  if (params.get('SignatureMethod') !== 'HMAC-SHA1') throw aliError('IncompleteSignature', 'Specified signature method is not supported.')
  if (params.get('SignatureVersion') !== '1.0') throw aliError('IncompleteSignature', 'Specified signature version is not supported.')
  const creds = findCredentials(params.get('AccessKeyId') ?? '', credentials)
  checkToken(creds, params.get('SecurityToken'))
  checkClock(params.get('Timestamp') ?? '')
  const canonical = [...params.keys()]
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params.get(k)!)}`)
    .join('&')
  const stringToSign = `${method}&${percentEncode('/')}&${percentEncode(canonical)}`
  const expected = createHmac('sha1', `${creds.secretAccessKey}&`).update(stringToSign).digest('base64')
  if (!sameString(expected, signature))
    throw aliError('SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`)
  return creds
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v.join(',') : v
}

/** Remembers signature nonces for the 15 minutes a timestamp stays valid. */
export class NonceCache {
  private readonly seen = new Map<string, number>()

  use(accessKeyId: string, nonce: string | undefined): void {
    if (!nonce) throw aliError('MissingParameter', 'The input parameter "SignatureNonce" that is mandatory for processing this request is not supplied.')
    const now = Date.now()
    // Insertion order is time order: drop expired entries from the front only.
    for (const [k, at] of this.seen) {
      if (now - at <= 15 * 60 * 1000) break
      this.seen.delete(k)
    }
    const key = `${accessKeyId}\0${nonce}`
    if (this.seen.has(key)) throw aliError('SignatureNonceUsed')
    this.seen.set(key, now)
  }
}
