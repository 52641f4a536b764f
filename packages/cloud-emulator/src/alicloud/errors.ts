import { CloudError } from '../backend/errors.js'

/**
 * Alibaba Cloud's error codes with the HTTP status and message its POP gateway answers
 * them with. The Node SDK classifies by status (4xx ClientError, 5xx ServerError) and by
 * `Code` containing 'Throttling', and Packer's Go SDK matches codes in its retry lists,
 * so both must be exact.
 */
const CODES: Record<string, readonly [status: number, message: string]> = {
  'InvalidAccessKeyId.NotFound': [404, 'Specified access key is not found.'],
  'InvalidAccessKeyId.Inactive': [400, 'Specified access key is disabled.'],
  SignatureDoesNotMatch: [400, 'Specified signature is not matched with our calculation.'],
  IncompleteSignature: [400, 'The request signature does not conform to Aliyun standards.'],
  MissingSignature: [400, 'Signature is mandatory for this action.'],
  'InvalidTimeStamp.Expired': [400, 'Specified time stamp or date value is expired.'],
  'InvalidTimeStamp.Format': [400, 'Specified time stamp or date value is not well formatted.'],
  SignatureNonceUsed: [400, 'Specified signature nonce was used already.'],
  'InvalidSecurityToken.Mismatch': [400, 'Specified SecurityToken mismatch with the AccessKey.'],
  'InvalidSecurityToken.Malformed': [400, 'Specified SecurityToken is malformed.'],
  'InvalidAction.NotFound': [404, 'Specified api is not found, please check your url and method.'],
  InvalidVersion: [400, 'Specified parameter Version is not valid.'],
  MissingParameter: [400, 'The input parameter that is mandatory for processing this request is not supplied.'],
  InvalidParameter: [400, 'The specified parameter is not valid.'],
  Throttling: [400, 'Request was denied due to request throttling.'],
  'Throttling.User': [400, 'Request was denied due to user flow control.'],
  'Throttling.Api': [400, 'Request was denied due to api flow control.'],
  ServiceUnavailable: [503, 'The request has failed due to a temporary failure of the server.'],
  InternalError: [500, 'The request processing has failed due to some unknown error.'],
  UnsupportedHTTPMethod: [400, 'This http method is not supported.'],
  'InvalidRegionId.NotFound': [404, 'The specified RegionId does not exist.'],
  'InvalidRegionId.Malformed': [400, 'The specified parameter RegionId is not valid.'],
  'Forbidden.RAM': [403, 'User not authorized to operate on the specified resource, or this API does not support RAM.'],
}

/** An Alibaba error: the code's own status and message unless the caller gives them. */
export function aliError(code: string, message?: string, status?: number): CloudError {
  const known = CODES[code]
  return new CloudError(code, message ?? known?.[1] ?? code, status ?? known?.[0] ?? 400)
}

/** The error body Alibaba answers with (doc 40644): the SDK keeps it whole as `err.data`. */
export function errorBody(e: CloudError, requestId: string, hostId: string, product: string): Record<string, string> {
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: e.code,
    Message: e.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(e.code)}&product=${product}&requestId=${requestId}`,
  }
}

/** Backend codes that Alibaba spells its own way (the rest pass through unchanged). */
const FROM_BACKEND: Record<string, string> = {
  RequestLimitExceeded: 'Throttling.User',
  Throttled: 'Throttling.User',
  Unavailable: 'ServiceUnavailable',
  InternalFailure: 'InternalError',
}

/** Maps an error the backend or a fault raised onto Alibaba's code and HTTP status. */
export function toAlibaba(e: CloudError): CloudError {
  const code = FROM_BACKEND[e.code]
  if (code) return aliError(code)
  return e
}
