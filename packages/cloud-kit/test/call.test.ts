import { describe, expect, it } from 'vitest'
import { CloudApiError, CloudCaller, type ErrorModel } from '@tsimg/cloud-kit'

/** A cloud whose errors are plain objects { code, status }. */
const model: ErrorModel = {
  service: 'TestCloud',
  facts: (err) => {
    const e = err as { code?: string; status?: number; message?: string }
    return { ...(e.code && { code: e.code }), ...(e.status && { status: e.status }), message: e.message ?? 'x' }
  },
  classify: ({ code, status }) =>
    code === 'Throttled' ? 'throttled' : code === 'NotFound' ? 'not-found' : status && status >= 500 ? 'transient' : 'permanent',
}
const fast = { minDelayMs: 1, maxDelayMs: 2 }
const caller = new CloudCaller(model, (r) => `https://api.${r}.test`, { ...fast, attempts: 4 })
const signal = new AbortController().signal

function failing(errors: object[], then?: string) {
  let calls = 0
  const fn = async () => {
    const e = errors[calls++]
    if (e) throw e
    if (then === undefined) throw { code: 'Oops', status: 503, message: 'still down' }
    return then
  }
  return { fn, calls: () => calls }
}

describe('CloudCaller: one retry budget per call', () => {
  it('a permanent 5xx is tried exactly `attempts` times, and the error names action, endpoint, code and status', async () => {
    const f = failing([])
    const err = await caller.call('RunThing', 'r1', f.fn, { signal }).catch((e: unknown) => e)
    expect(f.calls()).toBe(4)
    expect(err).toBeInstanceOf(CloudApiError)
    expect((err as Error).message).toBe('TestCloud RunThing failed at https://api.r1.test: Oops (HTTP 503, after 4 attempts): still down')
  })

  it('throttling is retried until the call succeeds', async () => {
    const f = failing(
      [
        { code: 'Throttled', status: 429 },
        { code: 'Throttled', status: 429 },
      ],
      'ok',
    )
    await expect(caller.call('A', 'r1', f.fn, { signal })).resolves.toBe('ok')
    expect(f.calls()).toBe(3)
  })

  it('a permanent error is not retried; not-found only when the call asks for it', async () => {
    const p = failing([{ code: 'Denied', status: 403 }], 'ok')
    await expect(caller.call('A', 'r1', p.fn, { signal })).rejects.toThrow(/Denied \(HTTP 403\)/)
    expect(p.calls()).toBe(1)
    const n = failing([{ code: 'NotFound', status: 400 }], 'ok')
    await expect(caller.call('A', 'r1', n.fn, { signal, retry: ['not-found'] })).resolves.toBe('ok')
  })

  it('the budget is also bounded in total time', async () => {
    const slow = new CloudCaller(model, () => 'e', { attempts: 100, totalMs: 50, minDelayMs: 20, maxDelayMs: 20 })
    const f = failing([])
    await expect(slow.call('A', 'r1', f.fn, { signal })).rejects.toThrow(CloudApiError)
    expect(f.calls()).toBeLessThan(10)
  })
})
