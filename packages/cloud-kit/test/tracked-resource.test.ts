import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CancelledError, FileJournal, pluginId } from '@tsimg/core/plugin'
import { CloudApiError, CloudCaller, TrackedResource, requestTimeoutMs, type CreateSpec, type ErrorModel } from '@tsimg/cloud-kit'

const PLUGIN = pluginId('@tsimg/builder-aws')
let dir: string
let journal: FileJournal
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-kit-'))
  journal = await FileJournal.create('tsimg-kittest001', 'test.kit', dir)
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A create whose answer the test releases by hand, so timing is the test's, not the machine's. */
function controlled(find: () => Promise<string | undefined> = async () => undefined) {
  let answer!: (id: string) => void
  let fail!: (err: unknown) => void
  const landed = new Promise<string>((res, rej) => ((answer = res), (fail = rej)))
  landed.catch(() => undefined) // failed before the create is even sent, in some tests
  let onSent!: () => void
  /** Settles when the create is sent (the intent is journaled by then). */
  const sent = new Promise<void>((res) => (onSent = res))
  const spec: CreateSpec<string> = {
    plugin: PLUGIN,
    kind: 'key-pair',
    token: 'k1',
    description: 'key pair k1',
    data: { region: 'r1' },
    create: () => (onSent(), landed),
    idOf: (id) => id,
    find,
  }
  return { spec, answer, fail, sent }
}

/** A create sent, then the build cancelled before it answers: the step has returned, the create runs on. */
async function cancelledWhileInFlight() {
  const c = controlled()
  const t = new TrackedResource()
  const build = new AbortController()
  const created = t.create({ journal, signal: build.signal }, c.spec)
  await c.sent
  build.abort()
  await expect(created).rejects.toThrow(/cancelled/i)
  return { c, t }
}

const exists = () => new CloudApiError('EC2', 'ImportKeyPair', 'http://x', { code: 'InvalidKeyPair.Duplicate', status: 400, message: 'dup' }, 'exists', 2)
const flush = () => new Promise((r) => setTimeout(r, 20))

describe('TrackedResource: safe creates', () => {
  it('journals the intent (kind, token, pending) before the create answers, then the id', async () => {
    const c = controlled()
    const created = new TrackedResource().create({ journal, signal: new AbortController().signal }, c.spec)
    await c.sent
    expect(journal.list().map((r) => [r.kind, r.pending, r.data.token, r.data.id])).toEqual([['key-pair', true, 'k1', undefined]])
    c.answer('kp-1')
    await expect(created).resolves.toBe('kp-1')
    expect(journal.list().map((r) => [r.pending, r.data.id])).toEqual([[undefined, 'kp-1']])
  })

  it('"already exists" on a retry adopts what the first attempt made', async () => {
    const c = controlled(async () => 'kp-first')
    const created = new TrackedResource().create({ journal, signal: new AbortController().signal }, c.spec)
    c.fail(exists())
    await expect(created).resolves.toBe('kp-first')
  })

  it('a failed create that landed anyway is recorded, so cleanup deletes it, and the error still fails the step', async () => {
    const c = controlled(async () => 'kp-landed')
    const t = new TrackedResource()
    const created = t.create({ journal, signal: new AbortController().signal }, c.spec)
    c.fail(new Error('lost answer'))
    await expect(created).rejects.toThrow('lost answer')
    const deleted: string[] = []
    await t.remove({ journal, signal: new AbortController().signal }, async (id) => void deleted.push(id))
    expect(deleted).toEqual(['kp-landed'])
    expect(journal.list()).toEqual([])
  })

  it('a cancel that comes while the intent is being journaled is a CancelledError, nothing is sent, and cleanup drops the entry', async () => {
    const c = controlled()
    let sent = false
    void c.sent.then(() => (sent = true))
    const t = new TrackedResource()
    const build = new AbortController()
    build.abort()
    await expect(t.create({ journal, signal: build.signal }, c.spec)).rejects.toBeInstanceOf(CancelledError)
    expect(journal.list().map((r) => [r.kind, r.pending])).toEqual([['key-pair', true]])
    expect(await t.remove({ journal, signal: new AbortController().signal }, async () => undefined)).toBe(false)
    expect(sent).toBe(false)
    expect(journal.list()).toEqual([])
  })

  it('a cancel returns at once; cleanup awaits the create still in flight and deletes what it made', async () => {
    const { c, t } = await cancelledWhileInFlight()
    const deleted: string[] = []
    const removing = t.remove({ journal, signal: new AbortController().signal }, async (id) => void deleted.push(id))
    await flush()
    expect(deleted).toEqual([])
    c.answer('kp-late')
    await removing
    expect(deleted).toEqual(['kp-late'])
    expect(journal.list()).toEqual([])
  })

  it('a create still running when cleanup runs out of time keeps its pending entry for tsimg cleanup', async () => {
    const { c, t } = await cancelledWhileInFlight()
    const out = new AbortController()
    const removing = t.remove({ journal, signal: out.signal }, async () => undefined)
    out.abort()
    await expect(removing).rejects.toThrow(/still running.*'tsimg cleanup' will find it by its token k1/)
    expect(journal.list().map((r) => [r.kind, r.pending, r.data.token])).toEqual([['key-pair', true, 'k1']])
    expect(await journal.closeIfEmpty()).toBe(false)
    // When it lands at last, the entry gets its id.
    c.answer('kp-very-late')
    while (journal.list()[0]?.pending) await new Promise((r) => setImmediate(r))
    expect(journal.list().map((r) => [r.pending, r.data.id])).toEqual([[undefined, 'kp-very-late']])
  })

  it('a create whose request timed out on the client after the cancel, with nothing found yet, keeps its pending entry for tsimg cleanup', async () => {
    // The SDK gives up on the request (no HTTP answer) while the server is still working on it.
    const model: ErrorModel = { service: 'Test', facts: (e) => ({ code: (e as { code: string }).code, message: 'timeout' }), classify: () => 'transient' }
    const caller = new CloudCaller(model, () => 'http://x', { minDelayMs: 1, maxDelayMs: 2 })
    let giveUp!: () => void
    const sent = new Promise<void>((res) => (giveUp = res))
    let onSending!: () => void
    const sending = new Promise<void>((res) => (onSending = res))
    let onServer: string | undefined
    const spec: CreateSpec<string> = {
      plugin: PLUGIN,
      kind: 'vpc',
      token: 'b1-vpc',
      description: 'VPC of build b1',
      data: { region: 'r1' },
      create: (requestSignal, stop) =>
        caller.call(
          'CreateVpc',
          'r1',
          async () => {
            onSending()
            await sent
            throw { code: 'ETIMEDOUT' }
          },
          { signal: stop, requestSignal },
        ),
      idOf: (id) => id,
      find: async () => onServer,
    }
    const t = new TrackedResource()
    const build = new AbortController()
    const created = t.create({ journal, signal: build.signal }, spec)
    await sending
    build.abort()
    await expect(created).rejects.toThrow(/cancelled/i)
    giveUp()
    const deleted: string[] = []
    await expect(t.remove({ journal, signal: new AbortController().signal }, async (id) => void deleted.push(id))).rejects.toThrow(
      /got no answer.*token b1-vpc.*'tsimg cleanup' looks for it again/,
    )
    expect(deleted).toEqual([])
    expect(journal.list().map((r) => [r.kind, r.pending, r.data.token])).toEqual([['vpc', true, 'b1-vpc']])
    // It lands later: the kept entry's token is how tsimg cleanup finds it.
    onServer = 'vpc-late'
    expect(await spec.find(new AbortController().signal)).toBe('vpc-late')
  })

  it('a create that was refused with an HTTP answer and made nothing drops its entry (no false leftovers)', async () => {
    const model: ErrorModel = { service: 'Test', facts: () => ({ code: 'Bad', status: 400, message: 'bad' }), classify: () => 'permanent' }
    const caller = new CloudCaller(model, () => 'http://x')
    const spec: CreateSpec<string> = {
      plugin: PLUGIN,
      kind: 'vpc',
      token: 'b1-vpc',
      description: 'VPC of build b1',
      data: { region: 'r1' },
      create: (requestSignal, stop) =>
        caller.call(
          'CreateVpc',
          'r1',
          async () => {
            throw new Error('bad')
          },
          { signal: stop, requestSignal },
        ),
      idOf: (id) => id,
      find: async () => undefined,
    }
    const t = new TrackedResource()
    await expect(t.create({ journal, signal: new AbortController().signal }, spec)).rejects.toThrow(/Bad \(HTTP 400\)/)
    await expect(t.remove({ journal, signal: new AbortController().signal }, async () => undefined)).resolves.toBe(false)
    expect(journal.list()).toEqual([])
  })

  it("a create's request gets the create bound as its SDK timeout, every other call the ordinary one", async () => {
    let seen: number | undefined
    const spec: CreateSpec<string> = {
      plugin: PLUGIN,
      kind: 'vpc',
      token: 'b1-vpc',
      description: 'VPC of build b1',
      data: { region: 'r1' },
      create: async (requestSignal) => {
        seen = requestTimeoutMs({ requestSignal }, 30_000)
        return 'vpc-1'
      },
      idOf: (id) => id,
      find: async () => undefined,
    }
    await new TrackedResource().create({ journal, signal: new AbortController().signal }, spec, 120_000)
    expect(seen).toBeGreaterThan(100_000)
    expect(seen).toBeLessThanOrEqual(120_000)
    expect(requestTimeoutMs({}, 30_000)).toBe(30_000)
    expect(requestTimeoutMs({ requestSignal: new AbortController().signal }, 30_000)).toBe(30_000)
  })
})
