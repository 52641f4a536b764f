// HCL2 variable types: every source of a value (default, var-file, auto var-file, PKR_VAR_, -var)
// converted as Packer converts it, and a value that does not convert named with where it came from.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TemplateError, inspect, type TemplateInfo } from '@tsimg/core/node'
import { convertValue, parseType, typeName } from '@tsimg/packer-template'
import { afterAll, describe, expect, it } from 'vitest'

const here = fileURLToPath(new URL('.', import.meta.url))
const CLI = resolve(here, '../../core/bin/tsimg.js')
const dir = mkdtempSync(join(tmpdir(), 'tsimg-packer-vartypes-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const VARIABLES = `variable "ports" {
  type    = list(number)
  default = [22, "80"]
}
variable "zones" {
  type    = set(string)
  default = ["b", "a", "b"]
}
variable "tags" {
  type    = map(string)
  default = { app = "web", tier = 1 }
}
variable "disk" {
  type    = object({ size = number, kind = string })
  default = { size = "20", kind = "ssd", extra = true }
}
variable "pair" {
  type    = tuple([string, bool])
  default = [1, "true"]
}
variable "anything" {
  type    = any
  default = { a = [1, "x"] }
}
variable "users" {
  type = list(object({ name = string, admin = bool }))
  default = [{ name = "ann", admin = "false" }]
}
variable "sizes" {
  type    = map(list(number))
  default = { small = ["1", 2] }
}
variable "labels" {
  type    = list(map(string))
  default = []
}
variable "secret" {
  type      = list(number)
  default   = [1]
  sensitive = true
}
`
const SOURCE = `source "docker" "web" {
  image = "tsimg/debian-ssh:bookworm"
}
build {
  sources = ["source.docker.web"]
}
`
const template = join(dir, 'types.pkr.hcl')
writeFileSync(template, VARIABLES + SOURCE)

type Inputs = { vars?: Record<string, string>; env?: Record<string, string>; varFiles?: string[] }
const run = (inputs: Inputs = {}, file = template) => inspect({ templateFile: file, cwd: dir, ...inputs, env: { ...inputs.env } })
const value = (info: TemplateInfo, name: string): unknown => JSON.parse(info.variables.find((v) => v.name === name)!.value)
const failure = async (inputs: Inputs, file = template): Promise<string> => {
  const err = await run(inputs, file).then(
    () => new Error('expected a TemplateError'),
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TemplateError)
  return (err as Error).message
}

describe('HCL2 variable types', () => {
  it('defaults are converted to their type as Packer does: "80" to 80, 1 to "1", extra attributes dropped, sets sorted and unique', async () => {
    const info = await run()
    expect(value(info, 'ports')).toEqual([22, 80])
    expect(value(info, 'zones')).toEqual(['a', 'b'])
    expect(value(info, 'tags')).toEqual({ app: 'web', tier: '1' })
    expect(value(info, 'disk')).toEqual({ size: 20, kind: 'ssd' })
    expect(value(info, 'pair')).toEqual(['1', true])
    expect(value(info, 'anything')).toEqual({ a: [1, 'x'] })
    expect(value(info, 'users')).toEqual([{ name: 'ann', admin: false }])
    expect(value(info, 'sizes')).toEqual({ small: [1, 2] })
    expect(value(info, 'labels')).toEqual([])
    // inspect shows the type as HCL writes it.
    expect(info.variables.map((v) => v.typeName)).toEqual([
      'list(number)',
      'set(string)',
      'map(string)',
      'object({size=number, kind=string})',
      'tuple([string, bool])',
      'any',
      'list(object({name=string, admin=bool}))',
      'map(list(number))',
      'list(map(string))',
      'list(number)',
    ])
  })

  it('-var text of a structured type is an HCL expression (JSON too); string, number and any take the text as it is', async () => {
    const info = await run({
      vars: {
        ports: '[22, 8080]',
        zones: '["c"]',
        tags: '{app="api", tier=2}',
        disk: '{"size": 5, "kind": "hdd"}',
        pair: '["x", true]',
        anything: '[1, 2]',
        users: '[{name="bo", admin=true}]',
        sizes: '{large=[3, "4"]}',
        labels: '[{a="b"}]',
      },
    })
    expect(value(info, 'ports')).toEqual([22, 8080])
    expect(value(info, 'zones')).toEqual(['c'])
    expect(value(info, 'tags')).toEqual({ app: 'api', tier: '2' })
    expect(value(info, 'disk')).toEqual({ size: 5, kind: 'hdd' })
    expect(value(info, 'pair')).toEqual(['x', true])
    expect(info.variables.find((v) => v.name === 'anything')!.value).toBe('[1, 2]')
    expect(value(info, 'users')).toEqual([{ name: 'bo', admin: true }])
    expect(value(info, 'sizes')).toEqual({ large: [3, 4] })
    expect(value(info, 'labels')).toEqual([{ a: 'b' }])
    expect(info.variables.find((v) => v.name === 'ports')!.source).toBe('-var')
  })

  it('PKR_VAR_ values are read the same way', async () => {
    const info = await run({
      env: { PKR_VAR_ports: '[1, "2"]', PKR_VAR_tags: '{ a = true }', PKR_VAR_disk: '{size=1, kind="x", more=[1]}', PKR_VAR_pair: '[3, "false"]' },
    })
    expect(value(info, 'ports')).toEqual([1, 2])
    expect(value(info, 'tags')).toEqual({ a: 'true' })
    expect(value(info, 'disk')).toEqual({ size: 1, kind: 'x' })
    expect(value(info, 'pair')).toEqual(['3', false])
    expect(info.variables.find((v) => v.name === 'ports')!.source).toBe('env PKR_VAR_ports')
  })

  it("JSON and .pkrvars.hcl var-files are converted, and a directory's auto.pkrvars.hcl too", async () => {
    writeFileSync(join(dir, 'v.json'), JSON.stringify({ ports: ['443'], users: [{ name: 'cy', admin: 'true', shell: 'sh' }] }, null, 2))
    writeFileSync(join(dir, 'v.pkrvars.hcl'), 'sizes = { x = ["7"] }\npair = [true, true]\n')
    const info = await run({ varFiles: ['v.json', 'v.pkrvars.hcl'] })
    expect(value(info, 'ports')).toEqual([443])
    expect(value(info, 'users')).toEqual([{ name: 'cy', admin: true }])
    expect(value(info, 'sizes')).toEqual({ x: [7] })
    expect(value(info, 'pair')).toEqual(['true', true])

    const d = join(dir, 'auto')
    mkdirSync(d, { recursive: true })
    writeFileSync(join(d, 'main.pkr.hcl'), VARIABLES + SOURCE)
    writeFileSync(join(d, 'my.auto.pkrvars.hcl'), 'ports = ["9"]\n')
    expect(value(await run({}, d), 'ports')).toEqual([9])
    writeFileSync(join(d, 'my.auto.pkrvars.hcl'), 'zones = ["a"]\nports = ["x"]\n')
    expect(await failure({}, d)).toMatch(
      /variables\.ports: expected list\(number\), got \["x"\] \(from .*my\.auto\.pkrvars\.hcl:2\): \[0\]: a number is required, got "x"$/,
    )
  })

  it('a value that does not convert names the variable, where it came from and the type as HCL writes it', async () => {
    expect(await failure({ vars: { ports: '[1, "x"]' } })).toMatch(
      /types\.pkr\.hcl: variables\.ports: expected list\(number\), got \[1,"x"\] \(from -var ports\): \[1\]: a number is required, got "x"$/,
    )
    expect(await failure({ env: { PKR_VAR_disk: '{size=1}' } })).toMatch(
      /variables\.disk: expected object\(\{size=number, kind=string\}\), got .* \(from PKR_VAR_disk\): attribute "kind" is required$/,
    )
    expect(await failure({ vars: { pair: '["a"]' } })).toMatch(/variables\.pair: .*\(from -var pair\): a tuple of 2 elements is required, got 1$/)
    expect(await failure({ vars: { tags: '[1]' } })).toMatch(/variables\.tags: expected map\(string\).*: a map is required, got a list$/)
    expect(await failure({ vars: { users: '[{name="a", admin="maybe"}]' } })).toMatch(/\[0\]\.admin: a bool is required, got "maybe"$/)
    expect(await failure({ vars: { tags: '{a=var.other}' } })).toMatch(
      /variables\.tags: .*\(from -var tags\): "var": a value given on the command line or in the environment is a constant/,
    )
    expect(await failure({ vars: { tags: 'app=web' } })).toMatch(/variables\.tags: .*not an HCL value/)
    writeFileSync(join(dir, 'bad.json'), '{\n  "zones": ["a"],\n  "ports": {"a": 1}\n}\n')
    expect(await failure({ varFiles: ['bad.json'] })).toMatch(
      /variables\.ports: expected list\(number\), got \{"a":1\} \(from bad\.json:3\): a list is required, got an object$/,
    )
    writeFileSync(join(dir, 'bad.pkrvars.hcl'), 'zones = ["a"]\n\nsizes = { a = "b" }\n')
    expect(await failure({ varFiles: ['bad.pkrvars.hcl'] })).toMatch(
      /variables\.sizes: expected map\(list\(number\)\), got \{"a":"b"\} \(from bad\.pkrvars\.hcl:3\): \.a: a list is required, got "b"$/,
    )
  })

  it('a default that does not convert is an error at its line; a sensitive value is never shown', async () => {
    const bad = join(dir, 'bad-default.pkr.hcl')
    writeFileSync(bad, `variable "n" {\n  type = map(number)\n  default = { a = "one" }\n}\n${SOURCE}`)
    expect(await failure({}, bad)).toMatch(/bad-default\.pkr\.hcl:3: variable "n"\.default: expected map\(number\): \.a: a number is required, got "one"$/)
    const message = await failure({ vars: { secret: '[1, "hunter2"]' } })
    expect(message).toMatch(/variables\.secret: expected list\(number\), got <sensitive> \(from -var secret\): \[1\]: a number is required, got a string$/)
    expect(message).not.toContain('hunter2')
    expect(await failure({ vars: { secret: '[hunter2' } })).not.toContain('hunter2')
  })

  it('a type HCL does not have is an error at the type line', async () => {
    const bad = join(dir, 'bad-type.pkr.hcl')
    writeFileSync(bad, `variable "n" {\n  default = 1\n  type = list(numbr)\n}\n${SOURCE}`)
    expect(await failure({}, bad)).toMatch(/bad-type\.pkr\.hcl:3: variable "n"\.type: unknown type "numbr"/)
  })

  it("types read and print as HCL writes them, and convert by cty's rules", () => {
    expect(typeName(parseType('object({ a = optional(string), "b-c" = tuple([number, any]) })'))).toBe('object({a=optional(string), b-c=tuple([number, any])})')
    expect(convertValue({ x: 1 }, parseType('object({a=optional(string), x=string})'))).toEqual({ a: null, x: '1' })
    expect(convertValue([1, 'a', true], parseType('list(any)'))).toEqual(['1', 'a', 'true'])
    expect(convertValue(['0', '1'], parseType('list(bool)'))).toEqual([false, true])
    expect(convertValue([3, 1, 3], parseType('set(number)'))).toEqual([1, 3])
    expect(() => convertValue(' 1', parseType('number'))).toThrow('a number is required')
    expect(() => convertValue({}, parseType('string'))).toThrow('a string is required, got an object')
    expect(() => parseType('list(string')).toThrow(/expected "\)"/)
  })

  it('convert writes hclVariable<T>(type) for structured types, and validate of the image.ts resolves values the same way', () => {
    const cdir = join(dir, 'conv')
    mkdirSync(cdir, { recursive: true })
    writeFileSync(join(cdir, 'types.pkr.hcl'), VARIABLES + SOURCE)
    const tsimg = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: cdir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
    const c = tsimg('convert', 'types.pkr.hcl', '-o', 'image.ts')
    expect(c.stderr).toContain('Wrote image.ts')
    expect(c.status).toBe(0)
    const ts = readFileSync(join(cdir, 'image.ts'), 'utf8')
    expect(ts).toContain("import { hclVariable } from '@tsimg/packer-template'")
    expect(ts).toContain("ports: hclVariable<Array<number>>('list(number)', { default: [22, 80] }), // types.pkr.hcl:1")
    expect(ts).toContain("disk: hclVariable<{ size: number; kind: string }>('object({size=number, kind=string})', { default: { size: 20, kind: 'ssd' } })")
    expect(ts).toContain("pair: hclVariable<[string, boolean]>('tuple([string, bool])', { default: ['1', true] })")
    expect(ts).toContain("users: hclVariable<Array<{ name: string; admin: boolean }>>('list(object({name=string, admin=bool}))'")
    expect(ts).toContain("secret: hclVariable<Array<number>>('list(number)', { default: [1], sensitive: true })")
    const v = tsimg('validate', 'image.ts', '-var', 'tags={app="api"}', '-var', 'ports=[1, "2"]')
    expect(v.stderr).toBe('')
    expect(v.status).toBe(0)
    const i = tsimg('inspect', 'image.ts', '-var', 'ports=[1, "2"]')
    expect(i.stdout).toContain('var.ports: [1,2]  (list(number); from -var)')
    const bad = tsimg('validate', 'image.ts', '-var', 'ports=[1, "x"]')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('image.ts: variables.ports: expected list(number), got [1,"x"] (from -var ports): [1]: a number is required, got "x"')
  })
})
