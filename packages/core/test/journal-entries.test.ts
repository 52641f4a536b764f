import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isJournalOwnerAlive } from '../dist/journal/journal.js'
import { FileJournal, pluginId, type PluginId } from '@tsimg/core/plugin'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-journal-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('journal entries', () => {
  it('name their plugin by a package id: a free string is refused before anything is written', async () => {
    const journal = await FileJournal.create('tsimg-j1', 'test.j', dir)
    expect(() => pluginId('aws' as PluginId)).toThrow(/not a plugin package name/)
    await expect(journal.add({ plugin: 'aws' as PluginId, kind: 'key-pair', description: 'k', data: {} })).rejects.toThrow(/names no plugin package/)
    expect(journal.list()).toEqual([])
  })

  it('a pending create is on disk before it answers, and gets its id (no longer pending) once it does', async () => {
    const journal = await FileJournal.create('tsimg-j2', 'test.j', dir)
    const entry = await journal.add({
      plugin: pluginId('@tsimg/builder-aws'),
      kind: 'instance',
      description: 'instance',
      data: { token: 't-run' },
      pending: true,
    })
    const onDisk = () => readFile(journal.path, 'utf8').then((t) => JSON.parse(t).resources as { pending?: boolean; data: { id?: string } }[])
    expect((await onDisk()).map((r) => [r.pending, r.data.id])).toEqual([[true, undefined]])
    await journal.update(entry, { data: { token: 't-run', id: 'i-1' }, pending: false })
    expect((await onDisk()).map((r) => [r.pending, r.data.id])).toEqual([[undefined, 'i-1']])
    expect(await journal.closeIfEmpty()).toBe(false)
  })

  it('a journal written on another host counts as possibly alive: its host name is no proof the build is over', () => {
    expect(isJournalOwnerAlive({ pid: 2 ** 22 - 3, host: 'some-other-host' })).toBe(true)
  })
})
