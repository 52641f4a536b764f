import { BackendError, CloudError } from '../backend/errors.js'

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

/**
 * Alibaba's codes for the backend's neutral errors. Lookup order: kind:resource:reason,
 * kind:resource, kind::reason, kind. Statuses follow Alibaba's error pages (404 for a missing
 * resource, 403 for a state or dependency conflict, 400 for a bad parameter).
 */
const FROM_BACKEND: Record<string, readonly [code: string, status: number]> = {
  'not-found:instance': ['InvalidInstanceId.NotFound', 404],
  'not-found:image': ['InvalidImageId.NotFound', 404],
  'not-found:snapshot': ['InvalidSnapshotId.NotFound', 404],
  'not-found:volume': ['InvalidDiskId.NotFound', 404],
  'not-found:security-group': ['InvalidSecurityGroupId.NotFound', 404],
  'not-found:key-pair': ['InvalidKeyPairName.NotFound', 404],
  'not-found:vpc': ['InvalidVpcId.NotFound', 404],
  'not-found:subnet': ['InvalidVSwitchId.NotFound', 404],
  'not-found:public-ip': ['InvalidAllocationId.NotFound', 404],
  'not-found:region': ['InvalidRegionId.NotFound', 404],
  'not-found:zone': ['InvalidZoneId.NotFound', 404],
  'not-found': ['InvalidParameter', 404],
  'already-exists:key-pair': ['KeyPair.AlreadyExist', 400],
  'already-exists:image': ['InvalidImageName.Duplicated', 400],
  'already-exists:security-group': ['InvalidSecurityGroupName.Duplicated', 400],
  'already-exists:security-group-rule': ['InvalidPermission.Duplicate', 400],
  'already-exists': ['InvalidParameter', 400],
  'dependency-violation:snapshot': ['SnapshotCreatedImage', 403],
  'dependency-violation:public-ip': ['IncorrectEipStatus', 403],
  'dependency-violation:security-group': ['DependencyViolation', 403],
  'dependency-violation:subnet': ['DependencyViolation', 403],
  'dependency-violation:vpc': ['DependencyViolation.VSwitch', 403],
  'dependency-violation': ['DependencyViolation', 403],
  'invalid-state:instance': ['IncorrectInstanceStatus', 403],
  'invalid-state:image': ['IncorrectImageStatus', 403],
  'invalid-state:public-ip': ['IncorrectEipStatus', 403],
  'invalid-state': ['IncorrectStatus', 403],
  'invalid-parameter:image:malformed': ['InvalidImageName.Malformed', 400],
  'invalid-parameter:vpc:range': ['InvalidCidrBlock.Malformed', 400],
  'invalid-parameter:subnet:range': ['InvalidCidrBlock.Malformed', 400],
  'invalid-parameter:subnet:conflict': ['InvalidCidrBlock.Overlapped', 400],
  'invalid-parameter:instance-type': ['InvalidInstanceType.ValueUnauthorized', 400],
  'invalid-parameter:zone': ['InvalidZoneId.NotFound', 404],
  'invalid-parameter::key-format': ['InvalidPublicKeyBody.Malformed', 400],
  'invalid-parameter::block-device': ['InvalidSystemDiskSize.LessThanImageSize', 400],
  'invalid-parameter': ['InvalidParameter', 400],
  'missing-parameter': ['MissingParameter', 400],
  'idempotency-mismatch': ['IdempotentParameterMismatch', 400],
  unauthorized: ['Forbidden.RAM', 403],
  throttled: ['Throttling.User', 400],
  'quota:instance': ['QuotaExceed.PostPaidInstance', 403],
  'quota:public-ip': ['QuotaExceeded.Eip', 400],
  quota: ['QuotaExceeded', 400],
  capacity: ['OperationDenied.NoStock', 400],
  unavailable: ['ServiceUnavailable', 503],
  internal: ['InternalError', 500],
}

/** Maps a backend error, or a fault injected by code, onto Alibaba's code and HTTP status. */
export function toAlibaba(e: Error): CloudError {
  if (e instanceof BackendError) {
    const keys = [`${e.kind}:${e.resource ?? ''}:${e.reason ?? ''}`, `${e.kind}:${e.resource ?? ''}`, `${e.kind}::${e.reason ?? ''}`, e.kind]
    const [code, status] = keys.map((k) => FROM_BACKEND[k]).find(Boolean) ?? ['InternalError', 500]
    return new CloudError(code, e.message, e.status ?? status)
  }
  if (e instanceof CloudError) {
    // A fault that names only a code gets the status Alibaba answers that code with.
    if (e.explicitStatus === undefined && CODES[e.code]) return new CloudError(e.code, e.message, CODES[e.code]![0])
    return e
  }
  return aliError('InternalError')
}
