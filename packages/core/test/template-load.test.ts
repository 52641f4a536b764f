import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defineTemplate, shellLocal } from '@tsimg/core'
import { TemplateError, build, validate } from '@tsimg/core/node'
import { touch } from './fixtures/templates/lib/touch-source.ts'

const fixtures = join(import.meta.dirname, 'fixtures', 'templates')

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-template-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Runs build() expecting a TemplateError; checks nothing was created in the state dir. */
async function buildFails(options: Parameters<typeof build>[0]): Promise<TemplateError> {
  const stateDir = join(dir, 'state')
  const err = await build({ cwd: fixtures, stateDir, ...options }).then(
    () => {
      throw new Error('build should have failed')
    },
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TemplateError)
  await expect(readdir(stateDir)).rejects.toMatchObject({ code: 'ENOENT' })
  expect(await readdir(dir)).toEqual([])
  return err as TemplateError
}

describe('template loading and type-checking', () => {
  it('reports a wrong option type as file:line:col before anything is created', async () => {
    const err = await buildFails({ templateFile: 'type-error.ts' })
    expect(err.message).toContain("type-error.ts:10:9: Type 'string' is not assignable to type 'number'")
    expect(err.file).toBe('type-error.ts')
  }, 60_000)

  it('types vars from the declarations: misuse of a number variable is a type error', async () => {
    const err = await buildFails({ templateFile: 'vars-typed-error.ts' })
    expect(err.message).toMatch(/vars-typed-error\.ts:8:\d+: Property 'toUpperCase' does not exist on type 'number'/)
  }, 60_000)

  it('validates plugin options with their schema when the type check is skipped, naming the field', async () => {
    const err = await buildFails({ templateFile: 'bad-option.ts', typecheck: false })
    expect(err.message).toBe('bad-option.ts: sources[0] (touch.web).files: expected a number, got "two"')
  })

  it('rejects unknown options', async () => {
    const template = { sources: [touch({ name: 'web', dir, colour: 'red' } as never)] }
    const err = await buildFails({ template })
    expect(err.message).toContain('sources[0] (touch.web).colour: unknown option')
  })

  it('names the file and position of a syntax error', async () => {
    const err = await buildFails({ templateFile: 'syntax-error.ts', typecheck: false })
    expect(err.message).toMatch(/^syntax-error\.ts: could not load: .*syntax-error\.ts:3:/)
  })

  it('says when the template has no default export', async () => {
    const err = await buildFails({ templateFile: 'no-default.ts', typecheck: false })
    expect(err.message).toBe('no-default.ts: has no default export')
    expect(err.hint).toContain('it exports: template')
  })

  it('says when the template file does not exist', async () => {
    const err = await buildFails({ templateFile: 'nope.ts' })
    expect(err.message).toBe('nope.ts: file not found or not readable')
  })

  it('rejects duplicate build names', async () => {
    const template = { sources: [touch({ name: 'web', dir }), touch({ name: 'web', dir })] }
    const err = await buildFails({ template })
    expect(err.message).toContain('sources[1]: duplicate build name "touch.web" (also sources[0])')
  })

  it('rejects a plugin in the wrong list and an unknown template field', async () => {
    const pp = shellLocal({ inline: ['true'] })
    expect((await buildFails({ template: { sources: [pp] } })).message).toContain('sources[0]: a post-processor (shell-local) cannot be used as a source')
    expect((await buildFails({ template: { sources: [touch({ name: 'a', dir })], provisioner: [] } })).message).toContain('provisioner: unknown template field')
  })

  it('rejects an object that has a plugin kind and type but nothing to run, naming its list entry', async () => {
    const cases: [object, string][] = [
      [{ sources: [{ kind: 'source', type: 'nonexistent' }] }, 'sources[0]: is not a tsimg source plugin: source "nonexistent" has no steps()'],
      [
        { sources: [touch({ name: 'a', dir })], provisioners: [{ kind: 'provisioner', type: 'fake' }] },
        'provisioners[0]: is not a tsimg provisioner plugin: provisioner "fake" has no provision()',
      ],
      [
        { sources: [touch({ name: 'a', dir })], postProcessors: [false, { kind: 'post-processor', type: 'fake' }] },
        'postProcessors[1]: is not a tsimg post-processor plugin: post-processor "fake" has no postProcess()',
      ],
    ]
    for (const [template, message] of cases) expect((await buildFails({ template: template as never })).message).toContain(message)
  })

  it('rejects a provisioner only/except that names no source', async () => {
    const prov = (only: string[]) => ({ kind: 'provisioner' as const, type: 'noop', options: { only }, provision: async () => undefined })
    const ok = await validate({ template: { sources: [touch({ name: 'web', dir })], provisioners: [prov(['web']), prov(['touch.web'])] } })
    expect(ok.provisioners).toHaveLength(2)
    const err = await buildFails({ template: { sources: [touch({ name: 'web', dir })], provisioners: [prov(['web']), prov(['touch.wbe'])] } })
    expect(err.message).toContain('provisioners[1].only[0]: "touch.wbe" is not a source of this template')
  })

  it("runs plugins' own validate() and names the field", async () => {
    const template = defineTemplate({
      build: { sources: [touch({ name: 'a', dir })], postProcessors: [false, shellLocal({ script: 'missing.sh' })] },
    })
    const err = await buildFails({ template })
    expect(err.message).toContain('postProcessors[1].script: cannot read script')
  })

  it('accepts a plain object template and a default-exported function', async () => {
    process.env.TSIMG_TEST_DIR = dir
    try {
      const info = await validate({ templateFile: 'plain.ts', cwd: fixtures, typecheck: false })
      expect(info.sources.map((s) => s.name)).toEqual(['touch.plain'])
    } finally {
      delete process.env.TSIMG_TEST_DIR
    }
    const res = await build({ templateFile: 'function-export.mjs', cwd: fixtures, stateDir: join(dir, 'state') })
    expect(res.builds[0]?.outcome).toBe('success')
    // The function received the run's context: its id and fixed timestamp, and its own directory.
    expect(res.artifacts[0]?.id).toMatch(new RegExp(`^${res.runId}:\\d{10}$`))
    expect(res.artifacts[0]?.description).toBe(fixtures)
    expect(await readdir(join(dir, 'state', 'journal'))).toEqual([])
  })

  it('validate() of a good template passes the type check and creates nothing', async () => {
    const info = await validate({ templateFile: 'good.ts', cwd: fixtures, vars: { dir }, stateDir: join(dir, 'state') } as never)
    expect(info.sources.map((s) => s.name)).toEqual(['touch.a', 'touch.b'])
    expect(await readdir(dir)).toEqual([])
  }, 60_000)

  it('resolves @tsimg/* for a template in a folder without node_modules (global/npx use)', async () => {
    const body = (def: string) => `import { defineTemplate, variable, type SourcePlugin } from '@tsimg/core'
const src: SourcePlugin = {
  kind: 'source', type: 'inline', name: 'x', options: {},
  initialState: () => ({ generated: {} }),
  steps: () => [{ name: 'inline:artifact', async run(s) { s.state.artifact = { builderType: 'inline', buildName: s.build.name, id: 'n-' + String(s.state.generated.n ?? ''), description: 'ok' } } }],
}
export default defineTemplate({
  variables: { n: variable.number({ default: ${def} }) },
  build: ({ vars }) => ({ sources: [vars.n > 0 && src] }),
})
`
    const outside = join(dir, 'project')
    await rm(outside, { recursive: true, force: true })
    await import('node:fs/promises').then((fs) => fs.mkdir(outside))
    await writeFile(join(outside, 'image.ts'), body("'one'"))
    const err = await validate({ templateFile: join(outside, 'image.ts') }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TemplateError)
    expect((err as Error).message).toMatch(/project\/image\.ts:8:\d+: Type 'string' is not assignable to type 'number'/)

    await writeFile(join(outside, 'image.ts'), body('1'))
    const res = await build({ templateFile: join(outside, 'image.ts'), stateDir: join(dir, 'state') })
    expect(res.builds.map((b) => [b.name, b.outcome])).toEqual([['inline.x', 'success']])
  }, 60_000)

  it('resolves the subpath entry points (@tsimg/core/plugin, /node) for a template in a folder without node_modules, with their types', async () => {
    const body = (value: string) => `import { defineTemplate, nullSource } from '@tsimg/core'
import { TemplateError } from '@tsimg/core/plugin'
import type { CleanupReport } from '@tsimg/core/node'
import { shell } from '@tsimg/provisioner-shell'
const made: TemplateError = new TemplateError('m', { field: 'f' })
if (!(made instanceof Error) || made.field !== 'f') throw new Error('TemplateError did not load')
const report: Pick<CleanupReport, 'journals'> | undefined = undefined
const code: string = ${value}
export default defineTemplate({ build: { sources: [nullSource({ name: 'n' })], provisioners: [shell({ inline: [code] })] } })
`
    const outside = join(dir, 'subpaths')
    await import('node:fs/promises').then((fs) => fs.mkdir(outside))
    // A type error in a value from a subpath import: its declarations were found (not `any`).
    await writeFile(join(outside, 'image.ts'), body('made'))
    const err = await validate({ templateFile: join(outside, 'image.ts') }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TemplateError)
    expect((err as Error).message).toMatch(/subpaths\/image\.ts:8:7: Type 'TemplateError' is not assignable to type 'string'/)
    expect((err as Error).message).not.toContain('Cannot find module')

    await writeFile(join(outside, 'image.ts'), body('made.code'))
    const info = await validate({ templateFile: join(outside, 'image.ts') })
    expect(info.sources.map((s) => s.name)).toEqual(['null.n'])
  }, 60_000)
})
