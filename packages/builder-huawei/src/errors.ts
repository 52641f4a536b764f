/**
 * What tsimg keeps of a failed Huawei API call: the operation, the HTTP status, the service's
 * error code, its message and the request id. Never the SDK's exception itself (nor as a
 * `cause`): the SDK's errors and the axios objects behind them carry the signed request,
 * body included, and anything that prints an error with its cause would print those.
 */
export class HuaweiApiError extends Error {
  constructor(
    readonly operation: string,
    /** HTTP status; undefined when no answer came (timeout, refused connection). */
    readonly status: number | undefined,
    /** Ecs.0114, VPC.0202, APIGW.0308...; undefined when the service's format hides it (VPC v1, Nova). */
    readonly code: string | undefined,
    readonly detail: string,
    readonly requestId?: string,
  ) {
    super(
      `${operation} failed: ${[status, code].filter((x) => x !== undefined).join(' ')}${status !== undefined || code ? ': ' : ''}${detail}${requestId ? ` (request id ${requestId})` : ''}`,
    )
    this.name = 'HuaweiApiError'
  }
}

interface SdkException {
  readonly httpStatusCode?: number
  readonly errorCode?: string
  readonly errorMsg?: string
  readonly requestId?: string
  readonly message?: string
}

/**
 * Runs one SDK call and turns whatever it throws into a HuaweiApiError that holds only
 * strings and numbers, with every secret in `secrets` cut out of the message.
 */
export async function call<T>(operation: string, secrets: readonly string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as SdkException
    const scrub = (s: string | undefined): string | undefined => {
      if (s === undefined) return s
      let out = String(s)
      for (const secret of secrets) if (secret) out = out.split(secret).join('<sensitive>')
      return out.length > 500 ? `${out.slice(0, 500)}...` : out
    }
    const status = typeof e.httpStatusCode === 'number' ? e.httpStatusCode : undefined
    throw new HuaweiApiError(operation, status, scrub(e.errorCode || undefined), scrub(e.errorMsg ?? e.message) ?? 'unknown error', scrub(e.requestId))
  }
}

/** 429 (APIGW.0308) and 5xx are worth retrying; so is a call that got no answer. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof HuaweiApiError)) return false
  if (error.status === undefined) return true
  return error.status === 429 || error.status >= 500 || error.code === 'APIGW.0308'
}

export function isNotFound(error: unknown): boolean {
  return error instanceof HuaweiApiError && error.status === 404
}
