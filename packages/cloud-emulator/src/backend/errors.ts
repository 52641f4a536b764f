/**
 * Errors. The backend throws BackendError: what went wrong in neutral terms (a kind, the
 * resource type and id, the parameter), never a cloud's wire code. Each front end maps a
 * BackendError to its own code and HTTP status (EC2's table is src/ec2/errors.ts), so one
 * backend answers "InvalidInstanceID.NotFound" to EC2 clients and "InvalidInstanceId.NotFound"
 * or "Ecs.0114" to others.
 *
 * CloudError is a wire error: a code and status in one front end's vocabulary. Front ends
 * throw it for wire-level problems (a malformed query, an unknown action), and injected faults
 * carry one (a fault names the code its front end answers).
 */

export type ErrorKind =
  | 'not-found'
  | 'already-exists'
  | 'dependency-violation'
  | 'invalid-state'
  | 'invalid-parameter'
  | 'missing-parameter'
  /** The same idempotency token was sent with different parameters. */
  | 'idempotency-mismatch'
  | 'unauthorized'
  | 'throttled'
  | 'quota'
  | 'capacity'
  | 'unavailable'
  | 'internal'

export type ResourceType =
  | 'instance'
  | 'image'
  | 'snapshot'
  | 'volume'
  | 'security-group'
  | 'key-pair'
  | 'vpc'
  | 'subnet'
  | 'public-ip'
  | 'job'
  | 'region'
  | 'zone'
  | 'instance-type'
  | 'security-group-rule'
  | 'id'

export interface BackendErrorInit {
  readonly resource?: ResourceType
  readonly id?: string
  /** The request field at fault, in neutral words ('name', 'cidr', 'zone', 'instance-type'). */
  readonly field?: string
  /**
   * A finer reason a front end may need for its code, e.g. 'malformed', 'range', 'conflict',
   * 'default-group', 'termination-protected', 'no-default-network', 'in-use', 'key-format'.
   */
  readonly reason?: string
  /** An HTTP status to answer instead of the front end's usual one (injected faults only). */
  readonly status?: number
}

export class BackendError extends Error {
  readonly resource?: ResourceType
  readonly id?: string
  readonly field?: string
  readonly reason?: string
  readonly status?: number

  constructor(
    readonly kind: ErrorKind,
    message: string,
    init: BackendErrorInit = {},
  ) {
    super(message)
    this.name = 'BackendError'
    this.resource = init.resource
    this.id = init.id
    this.field = init.field
    this.reason = init.reason
    this.status = init.status
  }
}

/** `resource` `id` does not exist. */
export const notFound = (resource: ResourceType, id: string, message = `The ${resource} '${id}' does not exist`): BackendError =>
  new BackendError('not-found', message, { resource, id })

export const invalid = (message: string, init: BackendErrorInit = {}): BackendError => new BackendError('invalid-parameter', message, init)

export const badState = (resource: ResourceType, id: string, message: string, reason?: string): BackendError =>
  new BackendError('invalid-state', message, { resource, id, reason })

export const inUse = (resource: ResourceType, id: string, message: string, reason?: string): BackendError =>
  new BackendError('dependency-violation', message, { resource, id, reason })

export const exists = (resource: ResourceType, id: string, message: string): BackendError => new BackendError('already-exists', message, { resource, id })

export const missingParameter = (field: string, message = `The request must contain the parameter ${field}`): BackendError =>
  new BackendError('missing-parameter', message, { field })

/**
 * An error in one front end's wire vocabulary. `status` undefined means "the front end's usual
 * status for this code" (an injected fault that names only a code).
 */
export class CloudError extends Error {
  readonly status: number
  /** The status given by whoever threw it, if any (else a front end uses its own default). */
  readonly explicitStatus: number | undefined

  constructor(
    readonly code: string,
    message: string,
    status?: number,
  ) {
    super(message)
    this.name = 'CloudError'
    this.explicitStatus = status
    this.status = status ?? defaultStatus(code)
  }
}

/**
 * An injected answer that is not the API's: a status and a body sent verbatim (a proxy's HTML
 * error page). Front ends send it as it is, without their error document.
 */
export class RawAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly contentType: string,
  ) {
    super(`HTTP ${status} (${contentType})`)
    this.name = 'RawAnswer'
  }
}

/** The HTTP status EC2 uses for a code when the caller does not say (kept for older callers). */
export function defaultStatus(code: string): number {
  switch (code) {
    case 'RequestLimitExceeded':
    case 'Unavailable':
    case 'ServiceUnavailable':
      return 503
    case 'InternalError':
    case 'InternalFailure':
      return 500
    case 'AuthFailure':
      return 401
    case 'SignatureDoesNotMatch':
    case 'UnauthorizedOperation':
      return 403
    default:
      return 400
  }
}
