import { describe, expect, it } from 'vitest'
import { CancelledError } from '@tsimg/core/node'
import { CloudApiError, withOptionalPart, type ErrorClass } from '@tsimg/cloud-kit'

const apiError = (status: number | undefined, cls: ErrorClass, code?: string) =>
  new CloudApiError('EC2', 'CreateImage', 'http://x', { ...(code && { code }), ...(status !== undefined && { status }), message: 'refused' }, cls, 1)

/** Records how each variant was sent. */
function calls(withPart: () => Promise<string>) {
  const log: string[] = []
  const said: string[] = []
  const run = () =>
    withOptionalPart({
      part: 'tags in CreateImage',
      with: async (budget) => {
        log.push(`with attempts=${budget.attempts}`)
        return withPart()
      },
      without: async () => {
        log.push('without')
        return 'made-without'
      },
      dropped: (why) => said.push(why),
    })
  return { log, said, run }
}

describe('withOptionalPart: an optional part of a create', () => {
  it('accepted: sent once with the part, not again without it', async () => {
    const c = calls(async () => 'made-with')
    await expect(c.run()).resolves.toEqual({ answer: 'made-with', dropped: false })
    expect(c.log).toEqual(['with attempts=1'])
  })

  it.each([
    ['a 500 with an HTML page (no API code)', apiError(500, 'transient'), 'HTTP 500'],
    ['a 400 the model calls unsupported', apiError(400, 'unsupported', 'InvalidParameterValue'), 'InvalidParameterValue, HTTP 400'],
    ['a 400 the model calls permanent', apiError(400, 'permanent', 'UnknownParameter'), 'UnknownParameter, HTTP 400'],
    ['no HTTP answer', apiError(undefined, 'transient', 'ECONNRESET'), 'ECONNRESET, no HTTP answer'],
  ])('refused with %s: one attempt with the part, then once without it, and the reason is told', async (_t, err, reason) => {
    const c = calls(async () => {
      throw err
    })
    await expect(c.run()).resolves.toEqual({ answer: 'made-without', dropped: true })
    expect(c.log).toEqual(['with attempts=1', 'without'])
    expect(c.said).toEqual([reason])
  })

  it.each([
    ['"already exists" (the first attempt landed: the caller adopts it)', apiError(400, 'exists', 'InvalidAMIName.Duplicate')],
    ['a denial of the credentials (403)', apiError(403, 'permanent', 'UnauthorizedOperation')],
    ['a cancel', new CancelledError()],
  ])('%s is not a refusal of the part: rethrown, nothing sent without it', async (_t, err) => {
    const c = calls(async () => {
      throw err
    })
    await expect(c.run()).rejects.toBe(err)
    expect(c.log).toEqual(['with attempts=1'])
  })
})

describe('withOptionalPart after an attempt that got no answer', () => {
  it('a failure of the call without the part still says an earlier attempt went unanswered (the create may land)', async () => {
    const { unansweredCall } = await import('../dist/call.js') // internal to the kit
    const noAnswer = apiError(undefined, 'transient', 'ETIMEDOUT')
    const later = apiError(400, 'permanent', 'Bad')
    const err = await withOptionalPart({
      part: 'tags',
      with: async () => {
        throw noAnswer
      },
      without: async () => {
        throw later
      },
    }).catch((e: unknown) => e)
    expect(err).toBe(later)
    expect(unansweredCall(err)).toBe(true)
    const answered = await withOptionalPart({
      part: 'tags',
      with: async () => {
        throw apiError(500, 'transient')
      },
      without: async () => {
        throw apiError(400, 'permanent', 'Bad')
      },
    }).catch((e: unknown) => e)
    expect(unansweredCall(answered)).toBe(false)
  })
})
