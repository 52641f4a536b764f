// A variable may bring its own parsing and conversion (Packer's HCL types do): the core calls
// them for every source of a value and words the error, without knowing the type system.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resolveVariables } from '../dist/template/resolve-vars.js'
import { variable, type VariableDef } from '@tsimg/core'
import { TemplateError } from '@tsimg/core/node'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-var-hooks-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A list of numbers whose text is `n;n;n`, and whose values may be numeric strings. */
function numbers(options: { default?: unknown; sensitive?: boolean } = {}): VariableDef<number[]> {
  return {
    kind: 'variable',
    type: 'list',
    typeName: 'numbers',
    ...options,
    parse: async (text: string) => text.split(';'),
    convert: (value: unknown) => {
      if (!Array.isArray(value)) throw new Error('a list is required')
      return value.map((v, i) => {
        const n = typeof v === 'number' ? v : Number(v)
        if (!Number.isFinite(n)) throw new Error(`[${i}]: a number is required`)
        return n
      })
    },
  } as VariableDef<number[]>
}

const failure = async (p: Promise<unknown>): Promise<string> => {
  const err = await p.then(
    () => new Error('expected a TemplateError'),
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(TemplateError)
  return (err as Error).message
}

describe('variable parse and convert hooks', () => {
  it('convert the default, var-file values, and -var and environment text read by parse', async () => {
    const declared = { ports: numbers({ default: ['22'] }), name: variable.string({ default: 'x' }) }
    let r = await resolveVariables(declared, { cwd: dir, env: {} }, 't.ts')
    expect(r.values).toEqual({ ports: [22], name: 'x' })
    expect(r.variables[0]).toMatchObject({ type: 'list', typeName: 'numbers', source: 'default' })

    r = await resolveVariables(declared, { cwd: dir, env: { PKR_VAR_ports: '1;2' } }, 't.ts')
    expect(r.values.ports).toEqual([1, 2])
    await writeFile(join(dir, 'v.json'), JSON.stringify({ ports: ['5', 6] }))
    r = await resolveVariables(declared, { cwd: dir, env: { PKR_VAR_ports: '1;2' }, varFiles: ['v.json'] }, 't.ts')
    expect(r.values.ports).toEqual([5, 6])
    r = await resolveVariables(declared, { cwd: dir, env: {}, varFiles: ['v.json'], vars: { ports: '7' } }, 't.ts')
    expect(r.values.ports).toEqual([7])
  })

  it('an error names the variable, the type name, the source (with the var-file line) and why', async () => {
    const declared = { ports: numbers() }
    expect(await failure(resolveVariables(declared, { cwd: dir, env: {}, vars: { ports: '1;x' } }, 't.ts'))).toBe(
      't.ts: variables.ports: expected numbers, got ["1","x"] (from -var ports): [1]: a number is required',
    )
    expect(await failure(resolveVariables(declared, { cwd: dir, env: { TSIMG_VAR_ports: 'y' } }, 't.ts'))).toBe(
      't.ts: variables.ports: expected numbers, got ["y"] (from TSIMG_VAR_ports): [0]: a number is required',
    )
    await writeFile(join(dir, 'bad.json'), '{\n  "ports":\n    "z"\n}\n')
    expect(await failure(resolveVariables(declared, { cwd: dir, env: {}, varFiles: ['bad.json'] }, 't.ts'))).toBe(
      't.ts: variables.ports: expected numbers, got "z" (from bad.json:2): a list is required',
    )
    // A var-file reader that records lines (as .pkrvars.hcl does) is named at that line.
    await writeFile(
      join(dir, 'lines.mjs'),
      "export default Object.defineProperty({ ports: 'q' }, Symbol.for('tsimg.var-file-lines'), { value: { ports: 9 } })\n",
    )
    expect(await failure(resolveVariables(declared, { cwd: dir, env: {}, varFiles: ['lines.mjs'] }, 't.ts'))).toContain(
      '(from lines.mjs:9): a list is required',
    )
  })

  it("a sensitive variable's value is not in the error", async () => {
    const message = await failure(resolveVariables({ pin: numbers({ sensitive: true }) }, { cwd: dir, env: {}, vars: { pin: 'secret99' } }, 't.ts'))
    expect(message).toBe('t.ts: variables.pin: expected numbers, got <sensitive> (from -var pin): [0]: a number is required')
  })
})
