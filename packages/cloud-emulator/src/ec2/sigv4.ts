import { timingSafeEqual } from 'node:crypto'
import { Hash } from '@smithy/hash-node'
import { HttpRequest } from '@smithy/protocol-http'
import { SignatureV4 } from '@smithy/signature-v4'
import { CloudError } from '../backend/errors.js'

import type { Credentials } from '../front-end.js'
export type { Credentials }

/** What a verified request was signed for. */
export interface SignedScope {
  readonly credentials: Credentials
  readonly accessKeyId: string
  readonly region: string
  readonly service: string
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/

/**
 * Verifies a SigV4-signed request by signing the same canonical request with the known
 * secret (via @smithy/signature-v4) and comparing signatures. The region comes from the
 * credential scope, so one endpoint serves every region.
 */
export async function verifySigV4(
  req: { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: string },
  credentials: readonly Credentials[],
): Promise<SignedScope> {
  const header = req.headers['authorization']
  const auth = Array.isArray(header) ? header[0] : header
  if (!auth) throw new CloudError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401)
  const m = AUTH.exec(auth)
  if (!m) throw new CloudError('AuthFailure', 'Authorization header is malformed', 401)
  const [, accessKeyId, date, region, service, signedHeaders, signature] = m as unknown as string[]
  const creds = credentials.find((c) => c.accessKeyId === accessKeyId)
  if (!creds) throw new CloudError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401)
  const token = req.headers['x-amz-security-token']
  if (creds.sessionToken !== undefined && token !== creds.sessionToken)
    throw new CloudError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401)
  const amzDate = String(req.headers['x-amz-date'] ?? '')
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date) throw new CloudError('AuthFailure', 'Request is missing a valid X-Amz-Date', 401)
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  )
  if (Math.abs(Date.now() - signingDate.getTime()) > 15 * 60 * 1000)
    throw new CloudError('RequestExpired', `Request has expired. Timestamp date is ${amzDate}`, 400)
  const names = signedHeaders!.split(';')
  const headers: Record<string, string> = {}
  for (const name of names) {
    const v = req.headers[name]
    if (v === undefined)
      throw new CloudError(
        'SignatureDoesNotMatch',
        `The request signature we calculated does not match the signature you provided. Signed header '${name}' is missing.`,
        403,
      )
    headers[name] = Array.isArray(v) ? v.join(',') : v
  }
  const [path, query = ''] = req.path.split('?')
  const request = new HttpRequest({
    method: req.method,
    protocol: 'http:',
    hostname: String(req.headers['host'] ?? ''),
    path: path!,
    headers,
    body: req.body,
    query: Object.fromEntries(new URLSearchParams(query)),
  })
  const signer = new SignatureV4({
    credentials: creds,
    region: region!,
    service: service!,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
    applyChecksum: false,
  })
  const signed = await signer.sign(request, {
    signingDate,
    signingRegion: region,
    signingService: service,
    unsignableHeaders: new Set(),
    signableHeaders: new Set(names),
  })
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers['authorization']))?.[1] ?? ''
  if (expected.length !== signature!.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature!)))
    throw new CloudError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      403,
    )
  return { credentials: creds, accessKeyId: accessKeyId!, region: region!, service: service! }
}
