/**
 * An error the cloud answers with. `code` and `status` follow the EC2 wire names
 * (InvalidAMIID.NotFound, 400); other front ends map them to their own vocabulary.
 */
export class CloudError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = defaultStatus(code),
  ) {
    super(message)
    this.name = 'CloudError'
  }
}

/** The HTTP status EC2 uses for a code when the caller does not say. */
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

export const notFound = (code: string, what: string, id: string): CloudError =>
  new CloudError(code, `The ${what} '${id}' does not exist`)
