import type { IncomingMessage } from 'node:http'
import { aliError } from './errors.js'
import { NonceCache, verifyAcs3, verifyRpcV1, type AliCredentials } from './signature.js'

/** A verified RPC call: which product and action, with its parameters flat ('Tag.1.Key'). */
export interface AliCall {
  readonly action: string
  readonly version: string
  readonly params: ReadonlyMap<string, string>
  readonly accessKeyId: string
  /** The Host the client addressed, echoed as HostId in errors. */
  readonly host: string
  readonly scheme: 'ACS3-HMAC-SHA256' | 'HMAC-SHA1'
}

/** Decodes `a=1&b=2` as form encoding does; the last of repeated keys wins. */
function decodePairs(raw: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of new URLSearchParams(raw)) out.set(k, v)
  return out
}

/**
 * Reads what the client sent and checks its signature. The request target may be the
 * origin form (`/?...`, the SDKs) or the absolute form (`http://ecs-cn-hangzhou.aliyuncs.com/?...`,
 * Packer through HTTP_PROXY). Parameters come from the query and, for form posts, the body.
 */
export function readCall(req: IncomingMessage, body: Buffer, credentials: readonly AliCredentials[], nonces: NonceCache): AliCall {
  const method = req.method ?? 'GET'
  if (method !== 'POST' && method !== 'GET') throw aliError('UnsupportedHTTPMethod')
  const target = req.url ?? '/'
  const url = new URL(target, 'http://emulator.invalid')
  const rawQuery = url.search.slice(1)
  const query = decodePairs(rawQuery)
  const host = /^https?:\/\//i.test(target) ? url.host : String(req.headers.host ?? '')
  if (req.headers.authorization) {
    const creds = verifyAcs3({ method, pathname: url.pathname, query, headers: req.headers, body }, credentials)
    nonces.use(creds.accessKeyId, str(req.headers['x-acs-signature-nonce']))
    const action = str(req.headers['x-acs-action'])
    const version = str(req.headers['x-acs-version'])
    if (!action) throw aliError('MissingParameter', 'The input parameter "x-acs-action" that is mandatory for processing this request is not supplied.')
    if (!version) throw aliError('MissingParameter', 'The input parameter "x-acs-version" that is mandatory for processing this request is not supplied.')
    return { action, version, params: withForm(query, req, body), accessKeyId: creds.accessKeyId, host, scheme: 'ACS3-HMAC-SHA256' }
  }
  const params = withForm(query, req, body)
  const creds = verifyRpcV1(method, params, credentials)
  nonces.use(creds.accessKeyId, params.get('SignatureNonce'))
  const action = params.get('Action')
  const version = params.get('Version')
  if (!action) throw aliError('MissingParameter', 'The input parameter "Action" that is mandatory for processing this request is not supplied.')
  if (!version) throw aliError('MissingParameter', 'The input parameter "Version" that is mandatory for processing this request is not supplied.')
  return { action, version, params, accessKeyId: creds.accessKeyId, host, scheme: 'HMAC-SHA1' }
}

/** Query parameters plus those of a form-encoded body (pop-core and aliyun-sdk post a form). */
function withForm(query: Map<string, string>, req: IncomingMessage, body: Buffer): Map<string, string> {
  const type = String(req.headers['content-type'] ?? '')
  if (!body.length || !type.startsWith('application/x-www-form-urlencoded')) return query
  const params = new Map(query)
  for (const [k, v] of decodePairs(body.toString('utf8'))) params.set(k, v)
  return params
}

function str(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}
