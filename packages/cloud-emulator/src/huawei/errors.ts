import { BackendError, CloudError, type ErrorKind } from '../backend/errors.js'

/**
 * Which wire format an error takes. Huawei's services disagree, and the SDK reads them
 * differently (ExceptionUtil: `error.code ?? error_code`), so a front end that answered one
 * shape everywhere would hide the differences a builder has to cope with:
 *   apigw  API Gateway, before the service: {"error_code","error_msg","request_id"}
 *   ecs    ECS v1/v1.1 and IMS: {"error":{"code","message"}}
 *   vpc    VPC v1: {"code","message"} (the SDK loses this code: builders branch on the status)
 *   nova   ECS v2.1 (OpenStack Nova): {"itemNotFound":{"code":404,"message"}}
 *   iam    Keystone: {"error":{"code":401,"message","title"}}
 */
export type ErrorFormat = 'apigw' | 'ecs' | 'vpc' | 'nova' | 'iam'

export class HuaweiError extends Error {
  constructor(
    readonly format: ErrorFormat,
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message)
    this.name = 'HuaweiError'
  }

  static apigw(code: string, message: string, status: number): HuaweiError {
    return new HuaweiError('apigw', code, message, status)
  }

  /** The JSON body in this error's format. */
  body(requestId: string): unknown {
    switch (this.format) {
      case 'apigw':
        return { error_code: this.code, error_msg: this.message, request_id: requestId }
      case 'ecs':
        return { error: { code: this.code, message: this.message } }
      case 'vpc':
        return { code: this.code, message: this.message }
      case 'nova':
        return { [novaKey(this.status)]: { code: this.status, message: this.message } }
      case 'iam':
        return { error: { code: this.status, message: this.message, title: novaKey(this.status) } }
    }
  }
}

function novaKey(status: number): string {
  if (status === 404) return 'itemNotFound'
  if (status === 409) return 'conflictingRequest'
  if (status === 401) return 'Unauthorized'
  if (status === 403) return 'forbidden'
  if (status >= 500) return 'computeFault'
  return 'badRequest'
}

/** A service's code for a neutral failure: by `kind:resource`, then by `kind`. */
export type ServiceCodes = Readonly<Record<string, string>>

/** The HTTP status Huawei's services answer for each kind of failure. */
const STATUS: Record<ErrorKind, number> = {
  'not-found': 404,
  'already-exists': 409,
  'dependency-violation': 409,
  'invalid-state': 409,
  'invalid-parameter': 400,
  'missing-parameter': 400,
  'idempotency-mismatch': 400,
  unauthorized: 403,
  throttled: 429,
  quota: 403,
  capacity: 503,
  unavailable: 503,
  internal: 500,
}

const THROTTLED = (): HuaweiError =>
  HuaweiError.apigw('APIGW.0308', 'The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second', 429)

/** Codes an injected fault may carry that mean "too many requests", whatever their cloud. */
const THROTTLE_CODES = new Set(['RequestLimitExceeded', 'Throttling', 'Throttling.User', 'APIGW.0308'])

/**
 * Turns any error thrown by a handler or the backend into the answer of the route's service:
 * the backend's neutral errors by kind and resource, an injected fault with the code and
 * status it names (an APIGW code in API Gateway's format), throttling as APIGW.0308/429.
 */
export function toHuaweiError(error: unknown, format: ErrorFormat, codes: ServiceCodes): HuaweiError {
  if (error instanceof HuaweiError) return error
  if (error instanceof CloudError) {
    if (THROTTLE_CODES.has(error.code)) return THROTTLED()
    const status = error.explicitStatus ?? 500
    return error.code.startsWith('APIGW.') ? HuaweiError.apigw(error.code, error.message, status) : new HuaweiError(format, error.code, error.message, status)
  }
  if (error instanceof BackendError) {
    if (error.kind === 'throttled') return THROTTLED()
    const code = codes[`${error.kind}:${error.resource ?? ''}`] ?? codes[error.kind] ?? codes.internal ?? String(STATUS[error.kind])
    return new HuaweiError(format, code, error.message, error.status ?? STATUS[error.kind])
  }
  return new HuaweiError(format, codes.internal ?? '500', 'Internal server error', 500)
}
