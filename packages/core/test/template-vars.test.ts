import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { defineTemplate, env, shellLocal, timestamp, uuid, variable } from '@tsimg/core'
import { TemplateError, inspect, validate, type TemplateInfo } from '@tsimg/core/node'
import { touch } from './fixtures/templates/lib/touch-source.ts'

const fixtures = join(import.meta.dirname, 'fixtures', 'templates')
const ENV_KEYS = ['PKR_VAR_prefix', 'TSIMG_VAR_prefix', 'TSIMG_VAR_count', 'TSIMG_VAR_apiToken', 'TSIMG_VAR_debug']

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-vars-'))
})
afterEach(async () => {
  for (const k of ENV_KEYS) delete process.env[k]
  await rm(dir, { recursive: true, force: true })
})

const check = (opts: { vars?: Record<string, string>; varFiles?: string[] } = {}) =>
  validate({ templateFile: 'good.ts', cwd: fixtures, typecheck: false, ...opts, vars: { dir, ...opts.vars } })
const value = (info: TemplateInfo, name: string) => info.variables.find((v) => v.name === name)
const failure = async (p: Promise<unknown>): Promise<TemplateError> => {
  const err = await p.then(
    () => new Error('expected a TemplateError'),
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TemplateError)
  return err as TemplateError
}

describe('template variables', () => {
  it('takes defaults, then TSIMG_VAR_ env, then var-files in order, then -var (Packer precedence)', async () => {
    expect(value(await check(), 'prefix')).toMatchObject({ value: 'img', source: 'default' })

    // Packer's PKR_VAR_ is read too, and TSIMG_VAR_ wins over it.
    process.env.PKR_VAR_prefix = 'from-packer-env'
    expect(value(await check(), 'prefix')).toMatchObject({ value: 'from-packer-env', source: 'env PKR_VAR_prefix' })
    process.env.TSIMG_VAR_prefix = 'from-env'
    process.env.TSIMG_VAR_count = '7'
    let info = await check()
    expect(value(info, 'prefix')).toMatchObject({ value: 'from-env', source: 'env TSIMG_VAR_prefix' })
    expect(value(info, 'count')).toMatchObject({ value: '7', type: 'number' })

    info = await check({ varFiles: ['vars.json'] })
    expect(value(info, 'prefix')).toMatchObject({ value: 'from-file', source: 'var-file vars.json' })
    expect(value(info, 'count')).toMatchObject({ value: '3' })

    // A later var-file wins; a .ts var-file default-exports its object.
    info = await check({ varFiles: ['vars.json', 'vars.ts'] })
    expect(value(info, 'prefix')).toMatchObject({ value: 'from-ts', source: 'var-file vars.ts' })
    expect(value(info, 'names')).toMatchObject({ value: '["x"]' })
    expect(info.sources.map((s) => s.name)).toEqual(['touch.x'])

    info = await check({ varFiles: ['vars.json', 'vars.ts'], vars: { prefix: 'from-cli' } })
    expect(value(info, 'prefix')).toMatchObject({ value: 'from-cli', source: '-var' })
  })

  it('parses -var strings by the declared type', async () => {
    const info = await check({ vars: { count: '2', debug: 'true', names: '["p","q"]' } })
    expect(value(info, 'count')?.value).toBe('2')
    expect(value(info, 'debug')?.value).toBe('true')
    expect(info.sources.map((s) => s.name)).toEqual(['touch.p', 'touch.q'])
    const comma = await check({ vars: { names: 'r, s' } })
    expect(comma.sources.map((s) => s.name)).toEqual(['touch.r', 'touch.s'])
  })

  it('names the variable, where the bad value came from and the expected type', async () => {
    let err = await failure(check({ vars: { count: 'abc' } }))
    expect(err.message).toBe('good.ts: variables.count: expected a number, got "abc" (from -var count=...)')
    err = await failure(check({ vars: { debug: 'yes' } }))
    expect(err.message).toContain('variables.debug: expected a boolean (true or false), got "yes"')
    err = await failure(check({ varFiles: ['vars-bad.json'] }))
    expect(err.message).toBe('good.ts: variables.count: expected a number, got "three" (from var-file vars-bad.json)')
    process.env.TSIMG_VAR_count = 'many'
    err = await failure(check())
    expect(err.message).toContain('(from environment TSIMG_VAR_count)')
  })

  it('rejects a -var the template does not declare', async () => {
    const err = await failure(check({ vars: { colour: 'red' } }))
    expect(err.message).toContain('-var colour: the template declares no variable "colour"')
    expect(err.hint).toContain('prefix')
  })

  it('says how to set a missing required variable', async () => {
    const err = await failure(validate({ templateFile: 'required.ts', cwd: fixtures, typecheck: false }))
    expect(err.message).toBe('required.ts: variables.apiToken: required variable has no value')
    expect(err.field).toBe('variables.apiToken')
    expect(err.hint).toContain('-var apiToken=')
    expect(err.hint).toContain('TSIMG_VAR_apiToken')
  })

  it('never shows sensitive values: inspect prints <sensitive>, type errors do not echo them', async () => {
    process.env.TSIMG_VAR_apiToken = 'tok-very-secret-123'
    const info = await inspect({ templateFile: 'required.ts', cwd: fixtures })
    expect(value(info, 'apiToken')).toMatchObject({ value: '<sensitive>', sensitive: true, source: 'env TSIMG_VAR_apiToken' })
    expect(JSON.stringify(info)).not.toContain('tok-very-secret-123')

    await writeFile(join(dir, 'secret.json'), JSON.stringify({ password: 12345678 }))
    const err = await failure(check({ varFiles: [join(dir, 'secret.json')] }))
    expect(err.message).toContain('variables.password: expected a string, got <sensitive>')
    expect(err.message).not.toContain('12345678')
  })

  it('inspect lists unset required variables instead of failing', async () => {
    const info = await inspect({ templateFile: 'required.ts', cwd: fixtures })
    expect(value(info, 'apiToken')).toMatchObject({ value: '<unset>', required: true, source: 'unset' })
    expect(info.sources.map((s) => s.name)).toEqual(['touch.web'])
  })

  it("inspect lists a template whose options are made of unset required variables (Packer's inspect checks no option); validate refuses it", async () => {
    const template = defineTemplate({
      variables: { files: variable.number(), where: variable.string() },
      build: ({ vars }) => ({ sources: [touch({ name: 'a', dir: vars.where, files: vars.files })] }),
    })
    const info = await inspect({ template, cwd: dir })
    expect(info.sources.map((s) => s.name)).toEqual(['touch.a'])
    expect(value(info, 'where')).toMatchObject({ value: '<unset>', required: true })
    const err = await failure(validate({ template, cwd: dir }))
    expect(err.message).toContain('required variable has no value')
    const bad = await failure(validate({ template, cwd: dir, vars: { files: '-1', where: dir } }))
    expect(bad.message).toContain('sources[0] (touch.a).files')
  })

  it("redacts a sensitive value quoted by a plugin's validation error", async () => {
    const template = defineTemplate({
      variables: { token: variable.string({ sensitive: true }) },
      build: ({ vars }) => ({ sources: [touch({ name: 'a', dir })], postProcessors: [shellLocal({ script: `${vars.token}.sh` })] }),
    })
    const err = await failure(validate({ template, vars: { token: 'tok-leaky-9876' }, cwd: dir }))
    expect(err.message).toContain('postProcessors[0].script: cannot read script')
    expect(err.message).toContain('<sensitive>.sh')
    expect(`${err.message}${err.stack}${String((err.cause as Error | undefined)?.message)}`).not.toContain('tok-leaky-9876')
  })

  it('env(), timestamp() and uuid() helpers: timestamp is fixed for the run and matches the context', async () => {
    process.env.TSIMG_TEST_HELPER = 'from-env'
    try {
      const seen: unknown[] = []
      const template = defineTemplate({
        build: (ctx) => {
          seen.push(ctx.timestamp, timestamp(), env('TSIMG_TEST_HELPER'), env('TSIMG_TEST_MISSING', 'fallback'), uuid(), uuid())
          return { sources: [touch({ name: `t${timestamp()}`, dir })] }
        },
      })
      const info = await validate({ template })
      const [ctxTs, helperTs, fromEnv, fallback, u1, u2] = seen
      expect(helperTs).toBe(ctxTs)
      expect(Math.abs((ctxTs as number) - Date.now() / 1000)).toBeLessThan(60)
      expect(info.sources[0]?.name).toBe(`touch.t${String(ctxTs)}`)
      expect([fromEnv, fallback]).toEqual(['from-env', 'fallback'])
      expect(u1).toMatch(/^[0-9a-f-]{36}$/)
      expect(u1).not.toBe(u2)
    } finally {
      delete process.env.TSIMG_TEST_HELPER
    }
  })
})
