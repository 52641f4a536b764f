import { NETWORK_CODES, type ErrorClass, type ErrorFacts, type ErrorModel } from '@tsimg/cloud-kit'

/** Codes Alibaba answers while something is still settling: retried within the dependency budget. */
const CONFLICT = new Set([
  'DependencyViolation',
  'DependencyViolation.Instance',
  'DependencyViolation.VSwitch',
  'DependencyViolation.SecurityGroup',
  'DependencyViolation.RouteEntry',
  'DependencyViolation.HaVip',
  'DependencyViolation.EIPAssociated',
  'IncorrectInstanceStatus',
  'IncorrectInstanceStatus.Initializing',
  'IncorrectVSwitchStatus',
  'IncorrectRouteEntryStatus',
  'IncorrectEipStatus',
  'IncorrectImageStatus',
  'SnapshotCreatedImage',
  'TaskConflict',
  'Forbbiden',
  'OperationConflict',
])
/** A retry met what its first attempt made (a ClientToken or a name already taken). */
const EXISTS = new Set(['KeyPair.AlreadyExist', 'InvalidImageName.Duplicated', 'IdempotentParameterMismatch'])
/** Still being processed on Alibaba's side: ask again. */
const TRANSIENT = new Set(['ServiceUnavailable', 'InternalError', 'IdempotentProcessing', 'LastTokenProcessing', 'TOKEN_PROCESSING', 'OperationDenied.NoStock'])

/**
 * Alibaba's errors as the Node SDK raises them (`ClientError`, `ServerError`,
 * `ThrottlingError`, `RequestTimeoutError`), read once for every call. The SDK does not
 * retry by itself, so this is the only retry policy.
 */
export const alicloudErrors: ErrorModel = {
  service: 'Alibaba Cloud ECS',
  facts(err: unknown): ErrorFacts {
    const e = (err ?? {}) as { name?: string; code?: string; statusCode?: number; message?: string; data?: { RequestId?: string; Message?: string } }
    const timeout = e.name === 'RequestTimeoutError' ? 'RequestTimeout' : undefined
    const code = e.code ?? timeout
    const message = e.data?.Message ?? e.message ?? String(err)
    const requestId = e.data?.RequestId
    return { ...(code && { code }), ...(e.statusCode !== undefined && { status: e.statusCode }), ...(requestId && { requestId }), message }
  },
  classify({ code = '', status }, err): ErrorClass {
    if (code.includes('Throttling') || (err as { name?: string } | undefined)?.name === 'ThrottlingError') return 'throttled'
    if (TRANSIENT.has(code) || NETWORK_CODES.has(code)) return 'transient'
    if (code.endsWith('.NotFound')) return 'not-found'
    if (EXISTS.has(code)) return 'exists'
    if (CONFLICT.has(code)) return 'conflict'
    if (status !== undefined && status >= 500) return 'transient'
    return 'permanent'
  },
}
