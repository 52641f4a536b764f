import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildValue, formatdate, isotime, lateProvisioner, lateSource, timestamp } from '@tsimg/core'
import {
  BuildUi,
  FileJournal,
  Redactor,
  nonInteractive,
  runSteps,
  type BaseState,
  type BuildInfo,
  type CommonProvisionerOptions,
  type ProvisionContext,
  type ProvisionerPlugin,
  type SourcePlugin,
  type Step,
} from '@tsimg/core/plugin'

const build: BuildInfo = { id: 'b-1', name: 'fake.web', sourceType: 'fake', sourceName: 'web', force: false, templateDir: '.' }
let dir: string
let journal: FileJournal
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-build-values-'))
  journal = await FileJournal.create('b-1', 'fake.web', dir)
})
afterEach(() => rm(dir, { recursive: true, force: true }))

/** A builder that makes its ID in the first step and reads `tags` in the second, as amazon-ebs reads its tags after launching. */
function fakeSource(options: { tags: Record<string, string>; name: string }, seen: unknown[]): SourcePlugin<typeof options, BaseState> {
  return {
    kind: 'source',
    type: 'fake',
    name: 'web',
    options,
    initialState: () => ({ generated: {} }),
    steps: () => [
      {
        name: 'launch',
        run: async (ctx) => {
          seen.push({ ...options.tags })
          ctx.state.generated.ID = 'i-123'
        },
      },
      { name: 'tag', run: async () => void seen.push({ ...options.tags }) },
    ],
  }
}

describe('build-time values', () => {
  it('lateSource fills each option holding a placeholder before each step, from what the build has made so far', async () => {
    const seen: unknown[] = []
    const src = lateSource(fakeSource({ tags: { Id: `x-${buildValue('ID')}`, Build: '{{ .BuildName }}/{{ .BuilderType }}' }, name: 'web' }, seen))
    const ui = new BuildUi('fake.web', () => {}, nonInteractive, new Redactor())
    const steps = await src.steps({ build, provision: () => ({ name: 'provision', run: async () => {} }) })
    const res = await runSteps(steps, { state: src.initialState(), signal: new AbortController().signal, ui, journal, build })
    expect(res.outcome).toBe('success')
    // Before launch the ID is not made yet and stays a placeholder; the tag step sees it filled.
    expect(seen).toEqual([
      { Id: 'x-{{ .ID }}', Build: 'web/fake' },
      { Id: 'x-i-123', Build: 'web/fake' },
    ])
    // A second build of the same source starts from the placeholders, not the first build's values.
    const again = await src.steps({ build, provision: () => ({ name: 'provision', run: async () => {} }) })
    const state = src.initialState()
    await (again[0] as Step<BaseState>).run({ state, signal: new AbortController().signal, ui, journal, build })
    expect(seen.at(-1)).toEqual({ Id: 'x-{{ .ID }}', Build: 'web/fake' })
  })

  it('lateProvisioner makes the provisioner again with the values filled, and fails on a value the builder did not make', async () => {
    type Options = CommonProvisionerOptions & { inline: string[] }
    const made: Options[] = []
    const fake = (options: Options): ProvisionerPlugin<Options> => {
      made.push(options)
      return { kind: 'provisioner', type: 'fake', options, provision: async () => {} }
    }
    const p = lateProvisioner(fake, { inline: ['echo {{ .ID }} on {{ .BuildName }}', 'echo {{ .Path }}'] })
    expect(p.options.inline[0]).toBe('echo {{ .ID }} on {{ .BuildName }}')
    const ctx = { build, generated: { ID: 'i-9' } } as unknown as ProvisionContext
    await p.provision(ctx)
    // {{ .Path }} is the plugin's own placeholder (execute_command), never a build value.
    expect(made.at(-1)).toEqual({ inline: ['echo i-9 on web', 'echo {{ .Path }}'] })
    const q = lateProvisioner(fake, { inline: ['echo {{ .SourceAMIName }}'] })
    await expect(q.provision(ctx)).rejects.toThrow('build-time value .SourceAMIName was not made by the fake builder')
  })

  it("isotime and formatdate give the run's one time by default, and format a given time in UTC", () => {
    const t = timestamp()
    expect(isotime()).toBe(new Date(t * 1000).toISOString().replace(/\.\d+Z$/, 'Z'))
    expect(formatdate("YYYY-MM-DD'T'hh:mm:ssZ")).toBe(isotime())
    const d = '2024-03-05T07:08:09Z'
    expect(isotime('2006-01-02 15:04:05 Jan Mon _2 3PM', d)).toBe('2024-03-05 07:08:09 Mar Tue  5 7AM')
    expect(formatdate("DD MMM YYYY 'at' hh:mm EEE", d)).toBe('05 Mar 2024 at 07:08 Tue')
    expect(() => formatdate('YYYY', 'not a time')).toThrow(/not an RFC 3339 timestamp/)
  })
})
