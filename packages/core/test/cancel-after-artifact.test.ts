// A cancel that comes after a build's steps have ended (during their teardown, or while a
// post-processor runs): the image is finished and kept, so the build is cancelled (never a
// successful build's artifact), the summary lists it as kept, and the manifest records it as
// cancelled. A cancel during the last step is a plain cancel: the image is deleted.
import { access, mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { manifest, type PostProcessorPlugin } from '@tsimg/core'
import { MachineRenderer, TextRenderer, build, type Artifact, type BuildEvent, type ManifestFile } from '@tsimg/core/node'
import { touch } from './fixtures/templates/lib/touch-source.ts'

let dir: string
let stateDir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-cancel-after-'))
  stateDir = join(dir, 'state')
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  )
const journals = () => readdir(join(stateDir, 'journal')).catch(() => [] as string[])
const tempFiles = async () => (await readdir(dir)).filter((f) => f.endsWith('.tmp'))

/** A post-processor that records it ran and makes a new artifact (or cancels while it runs). */
function tagger(ran: string[], name: string, onRun?: () => void): PostProcessorPlugin {
  return {
    kind: 'post-processor',
    type: `tag-${name}`,
    options: {},
    async postProcess(a: Artifact) {
      ran.push(name)
      onRun?.()
      return { ...a, id: `${a.id}#${name}`, description: `${a.description} tagged ${name}` }
    },
  }
}

function summaryText(b: Parameters<TextRenderer['finish']>[0]): string {
  let out = ''
  const r = new TextRenderer({ write: (t) => (out += t), color: false, timestamps: false, tty: false })
  r.finish(b, 1000)
  return out
}

describe('a cancel after the image was finished', () => {
  it('during the final teardown: cancelled, no successful artifact, the image kept and listed as kept, later post-processors skipped, the manifest entry marked cancelled', async () => {
    const ac = new AbortController()
    const output = join(dir, 'manifest.json')
    const ran: string[] = []
    const res = await build({
      template: { sources: [touch({ name: 'a', dir, files: 2 })], postProcessors: [tagger(ran, 'one'), manifest({ output })] },
      stateDir,
      typecheck: false,
      signal: ac.signal,
      // Ctrl-C as the teardown of the first step starts: every step has ended, the artifact exists.
      onEvent: (e: BuildEvent) => e.type === 'cleanup-start' && e.step === 'touch:create-1' && ac.abort(),
    })
    const b = res.builds[0]!
    expect(b.outcome).toBe('cancelled')
    expect(b.error?.message).toBe('Build was cancelled after its image was finished; the image is kept (see below)')
    expect(b.artifacts).toEqual([])
    expect(res.artifacts).toEqual([])
    expect(b.kept?.map((a) => a.id)).toEqual([`file:${join(dir, 'a.artifact')}`])
    expect(await exists(join(dir, 'a.artifact'))).toBe(true)
    // The teardown still ran to its end (the first Ctrl-C never stops cleanup).
    expect(await tempFiles()).toEqual([])
    expect(await journals()).toEqual([])
    expect(b.leftovers).toEqual([])
    // The other post-processor did not run; the manifest did, and says so.
    expect(ran).toEqual([])
    const doc = JSON.parse(await readFile(output, 'utf8')) as ManifestFile
    expect(doc.builds.map((e) => [e.name, e.artifact_id, e.cancelled])).toEqual([['a', `file:${join(dir, 'a.artifact')}`, true]])

    const text = summaryText(res.builds)
    expect(text).toContain(
      "==> Some builds didn't complete successfully and had errors:\n--> touch.a: Build was cancelled after its image was finished; the image is kept (see below)",
    )
    expect(text).toContain(`==> Cancelled after the image was finished; these exist and were kept:\n--> touch.a: File ${join(dir, 'a.artifact')}`)
    expect(text).toContain('==> Builds finished but no artifacts were created.')
    expect(text).not.toContain('artifacts of successful builds')

    // -machine-readable: a kept-artifact line, no artifact lines.
    let machine = ''
    const m = new MachineRenderer({ write: (t) => (machine += t) })
    m.finish(res.builds, 1000)
    expect(machine).toMatch(new RegExp(`,touch\\.a,kept-artifact,touch,file:${join(dir, 'a.artifact').replaceAll('.', '\\.')}\n`))
    expect(machine).not.toMatch(/,artifact(-count)?,/)
  })

  it('during a post-processor: what was made so far is kept, the next post-processor is skipped, the manifest records the last artifact as cancelled', async () => {
    const ac = new AbortController()
    const output = join(dir, 'manifest.json')
    const ran: string[] = []
    const res = await build({
      template: { sources: [touch({ name: 'a', dir })], postProcessors: [tagger(ran, 'one', () => ac.abort()), tagger(ran, 'two'), manifest({ output })] },
      stateDir,
      typecheck: false,
      signal: ac.signal,
    })
    const b = res.builds[0]!
    expect(b.outcome).toBe('cancelled')
    expect(b.artifacts).toEqual([])
    const id = `file:${join(dir, 'a.artifact')}`
    expect(b.kept?.map((a) => a.id)).toEqual([id, `${id}#one`])
    expect(ran).toEqual(['one'])
    const doc = JSON.parse(await readFile(output, 'utf8')) as ManifestFile
    expect(doc.builds.map((e) => [e.artifact_id, e.cancelled])).toEqual([[`${id}#one`, true]])
  })

  it('a successful build lists its artifact as before, and its manifest entry has no cancelled field', async () => {
    const output = join(dir, 'manifest.json')
    const res = await build({ template: { sources: [touch({ name: 'a', dir })], postProcessors: [manifest({ output })] }, stateDir, typecheck: false })
    const b = res.builds[0]!
    expect(b.outcome).toBe('success')
    expect(b.kept).toBeUndefined()
    expect(b.artifacts).toHaveLength(1)
    const doc = JSON.parse(await readFile(output, 'utf8')) as ManifestFile
    expect('cancelled' in doc.builds[0]!).toBe(false)
    expect(summaryText(res.builds)).toContain('==> Builds finished. The artifacts of successful builds are:')
  })

  it('during the last step (it ends normally): a plain cancel, nothing kept, no manifest entry', async () => {
    const ac = new AbortController()
    const output = join(dir, 'manifest.json')
    const res = await build({
      template: { sources: [touch({ name: 'a', dir })], postProcessors: [manifest({ output })] },
      stateDir,
      typecheck: false,
      signal: ac.signal,
      onEvent: (e: BuildEvent) => e.type === 'step-start' && e.step === 'touch:artifact' && ac.abort(),
    })
    const b = res.builds[0]!
    expect(b.outcome).toBe('cancelled')
    expect(b.error?.message).toBe('Build was cancelled')
    expect(b.artifacts).toEqual([])
    expect(b.kept).toBeUndefined()
    expect(await exists(output)).toBe(false)
  })
})
