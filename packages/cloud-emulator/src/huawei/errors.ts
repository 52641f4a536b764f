import { CloudError } from '../backend/errors.js'

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

/** The service codes a front-end answer uses per kind of failure. */
export interface ServiceCodes {
  readonly notFound: string
  readonly invalid: string
  readonly conflict: string
  readonly internal: string
}

export const THROTTLED = (): HuaweiError =>
  HuaweiError.apigw('APIGW.0308', 'The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second', 429)

/** Codes a backend CloudError carries that mean "too many requests". */
const THROTTLE_CODES = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequests', 'APIGW.0308'])

/**
 * Turns any error thrown by a handler or the backend into the answer of the route's service.
 * A code that already is a Huawei code (Ecs.0114, VPC.0202, IMG.0027, APIGW.*) is kept, so
 * injected faults name what the test expects; the backend's neutral codes map by kind.
 */
export function toHuaweiError(error: unknown, format: ErrorFormat, codes: ServiceCodes): HuaweiError {
  if (error instanceof HuaweiError) return error
  if (!(error instanceof CloudError)) return new HuaweiError(format, codes.internal, 'Internal server error', 500)
  if (THROTTLE_CODES.has(error.code)) return THROTTLED()
  if (error.code.startsWith('APIGW.')) return HuaweiError.apigw(error.code, error.message, error.status)
  if (/^(Ecs|VPC|IMG|IMS|EVS|Common)\.\d+$/i.test(error.code)) return new HuaweiError(format, error.code, error.message, error.status)
  if (/NotFound/i.test(error.code)) return new HuaweiError(format, codes.notFound, error.message, 404)
  if (/DependencyViolation|InUse|Conflict|Duplicate|AlreadyExists|IncorrectState/i.test(error.code))
    return new HuaweiError(format, codes.conflict, error.message, 409)
  if (error.status >= 500) return new HuaweiError(format, codes.internal, error.message, error.status)
  return new HuaweiError(format, codes.invalid, error.message, error.status === 401 || error.status === 403 ? error.status : 400)
}
