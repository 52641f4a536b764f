import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FileJournal, pluginId } from '@tsimg/core'
import { CloudApiError, TrackedResource, type CreateSpec } from '@tsimg/cloud-kit'

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
  const spec: CreateSpec<string> = { plugin: PLUGIN, kind: 'key-pair', token: 'k1', description: 'key pair k1', data: { region: 'r1' }, create: () => landed, idOf: (id) => id, find }
  return { spec, answer, fail }
}

/** A create sent, then the build cancelled before it answers: the step has returned, the create runs on. */
async function cancelledWhileInFlight() {
  const c = controlled()
  const t = new TrackedResource()
  const build = new AbortController()
  const created = t.create({ journal, signal: build.signal }, c.spec)
  await flush()
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
    await flush()
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
    await flush()
    expect(journal.list().map((r) => [r.pending, r.data.id])).toEqual([[undefined, 'kp-very-late']])
  })
})
