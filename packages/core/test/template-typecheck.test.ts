import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { typecheckTemplate } from '../dist/template/typecheck.js'
import { parseOutput, startTypecheck } from '../dist/template/typecheck.js'

// The template type-check runs TypeScript 7's native compiler as a child process. Each message
// below is what TypeScript 5.9's in-process check printed for the same template (compared when
// the check moved to TypeScript 7), at the same line and column.
const fixtures = join(import.meta.dirname, 'fixtures', 'templates')
let dir: string
let cache: string
const saved = process.env.TSIMG_CACHE_DIR

beforeAll(async () => {
  // Next to the fixtures, so @tsimg/* and @types/node resolve from the template's folder.
  dir = await mkdtemp(join(fixtures, '.tc7-'))
  cache = await mkdtemp(join(tmpdir(), 'tsimg-tc7-cache-'))
  process.env.TSIMG_CACHE_DIR = cache
})
afterAll(async () => {
  if (saved === undefined) delete process.env.TSIMG_CACHE_DIR
  else process.env.TSIMG_CACHE_DIR = saved
  await rm(dir, { recursive: true, force: true })
  await rm(cache, { recursive: true, force: true })
})

async function template(name: string, text: string, where = dir): Promise<string> {
  const file = join(where, name)
  await writeFile(file, text)
  return file
}

/** The type-check's error message for a template expected to fail. */
async function failure(file: string, cwd = dir): Promise<string> {
  const err = await typecheckTemplate(file, cwd).then(
    () => {
      throw new Error(`${file} type-checked clean`)
    },
    (e: unknown) => e as Error,
  )
  return err.message
}

describe('template type-check (TypeScript 7)', () => {
  it('reports a misspelt option with "Did you mean" at file:line:column', async () => {
    const file = await template(
      'typo.ts',
      [
        "import { defineTemplate, sshHost } from '@tsimg/core'",
        '',
        'export default defineTemplate({',
        '  build: {',
        "    sources: [sshHost({ name: 'web', host: '127.0.0.1', sshUsername: 'root', sshPasword: 'x' })],",
        '  },',
        '})',
        '',
      ].join('\n'),
    )
    expect(await failure(file)).toBe(
      "typo.ts: type errors:\n  typo.ts:5:78: Object literal may only specify known properties, but 'sshPasword' does not exist in type 'SshHostOptions'. Did you mean to write 'sshPassword'?",
    )
  })

  it('reports a missing import and a misspelt imported name at file:line:column', async () => {
    const missing = await template(
      'missing.ts',
      [
        "import { defineTemplate } from '@tsimg/core'",
        "import { helper } from './lib/nope.ts'",
        '',
        'export default defineTemplate({ build: { sources: [helper] } })',
        '',
      ].join('\n'),
    )
    expect(await failure(missing)).toContain("missing.ts:2:24: Cannot find module './lib/nope.ts' or its corresponding type declarations.")
    const misnamed = await template('misnamed.ts', "import { defineTemplat } from '@tsimg/core'\n\nexport default defineTemplat({ build: { sources: [] } })\n")
    expect(await failure(misnamed)).toContain(`misnamed.ts:1:10: '"@tsimg/core"' has no exported member named 'defineTemplat'. Did you mean 'defineTemplate'?`)
  })

  it('reports a type error against a typed variable, and shows a message chain indented under its first line', async () => {
    const vars = await template(
      'vars.ts',
      [
        "import { defineTemplate, variable } from '@tsimg/core'",
        '',
        'export default defineTemplate({',
        '  variables: { count: variable.number({ default: 1 }) },',
        '  build: ({ vars }) => {',
        '    const n: string = vars.count',
        '    return { sources: [], description: n }',
        '  },',
        '})',
        '',
      ].join('\n'),
    )
    expect(await failure(vars)).toContain("vars.ts:6:11: Type 'number' is not assignable to type 'string'.")
    // process.env's type comes from @types/node: found next to the template, as the editor finds it.
    const chained = await template(
      'chain.ts',
      [
        "import { defineTemplate, sshHost } from '@tsimg/core'",
        '',
        'const port: number = process.env.PORT',
        "export default defineTemplate({ build: { sources: [sshHost({ name: 'h', host: 'x', sshUsername: 'root', sshPort: port })] } })",
        '',
      ].join('\n'),
    )
    expect(await failure(chained)).toContain(
      "chain.ts:3:7: Type 'string | undefined' is not assignable to type 'number'.\n      Type 'undefined' is not assignable to type 'number'.",
    )
  })

  it('shows the first 20 errors and counts the rest', async () => {
    const lines = ["import { defineTemplate } from '@tsimg/core'"]
    for (let i = 0; i < 23; i++) lines.push(`export const n${i}: number = 'x${i}'`)
    lines.push('export default defineTemplate({ build: { sources: [] } })', '')
    const message = await failure(await template('many.ts', lines.join('\n')))
    expect(message.match(/many\.ts:\d+:\d+: Type 'string' is not assignable to type 'number'\./g)).toHaveLength(20)
    expect(message).toContain('many.ts:21:14: ')
    expect(message).not.toContain('many.ts:22:14: ')
    expect(message).toMatch(/\n {2}\.\.\. and 3 more$/)
  })

  it('checks a template in a folder without node_modules against the running tsimg packages and their @types/node', async () => {
    const away = await mkdtemp(join(tmpdir(), 'tsimg-tc7-away-'))
    try {
      const good = [
        "import { defineTemplate, sshHost } from '@tsimg/core'",
        '',
        "const port = Number(process.env.PORT ?? '22')",
        "export default defineTemplate({ build: { sources: [sshHost({ name: 'h', host: 'x', sshUsername: 'root', sshPort: port })] } })",
        '',
      ].join('\n')
      expect(await typecheckTemplate(await template('image.ts', good, away), away)).toBe('checked')
      // Not "Cannot find name 'process'": @types/node was found, so the type error is the real one.
      const bad = good.replace("Number(process.env.PORT ?? '22')", 'process.env.PORT')
      expect(await failure(await template('bad.ts', bad, away), away)).toContain(
        "bad.ts:4:105: Type 'string | undefined' is not assignable to type 'number | undefined'.",
      )
    } finally {
      await rm(away, { recursive: true, force: true })
    }
  })

  /** The files a clean check of this template recorded in the cache (every file the compiler read). */
  async function recorded(file: string): Promise<string[]> {
    const before = new Set(await readdir(join(cache, 'typecheck')).catch(() => []))
    expect(await typecheckTemplate(file, dir)).toBe('checked')
    const added = (await readdir(join(cache, 'typecheck'))).filter((f) => !before.has(f))
    expect(added).toHaveLength(1)
    const record = JSON.parse(await readFile(join(cache, 'typecheck', added[0]!), 'utf8')) as { files: [string, string][] }
    return record.files.map(([p]) => p)
  }

  it("remembers every file the compiler read for a clean template (its imports, @tsimg/core's types and the light pass's Node stand-ins), not the compiler's own lib files", async () => {
    const file = await template('clean.ts', "import { defineTemplate } from '@tsimg/core'\nexport default defineTemplate({ build: { sources: [] } })\n")
    const read = await recorded(file)
    const require = createRequire(import.meta.url)
    const compilerLib = dirname(
      require.resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`, {
        paths: [dirname(require.resolve('typescript/package.json'))],
      }),
    )
    expect(read).toContain(file)
    expect(read.some((p) => /core[/\\]dist[/\\]index\.d\.ts$/.test(p))).toBe(true)
    // Checked by the light pass: Node's names are the stand-ins, @types/node was not read.
    expect(read.some((p) => /core[/\\]typecheck-lite[/\\]node\.d\.ts$/.test(p))).toBe(true)
    expect(read.filter((p) => /@types[/\\](node|ssh2)[/\\]/.test(p))).toEqual([])
    expect(read.filter((p) => p.startsWith(compilerLib) || /[/\\]lib\.es\d+.*\.d\.ts$/.test(p))).toEqual([])
    expect(await typecheckTemplate(file, dir)).toBe('cached')
  })

  it('checks a template that names Node (process.env) with @types/node, and remembers its files', async () => {
    const file = await template(
      'node-env.ts',
      "import { defineTemplate } from '@tsimg/core'\nconst region: string = process.env.REGION ?? 'x'\nexport default defineTemplate({ description: region, build: { sources: [] } })\n",
    )
    const read = await recorded(file)
    expect(read.some((p) => /@types[/\\]node[/\\]index\.d\.ts$/.test(p))).toBe(true)
    expect(read.some((p) => /typecheck-lite[/\\]/.test(p))).toBe(false)
  })

  it('checks a template again with @types/node when the light pass errs on a Node name its text does not give away, and reports that check', async () => {
    // queueMicrotask is Node's (and the DOM's), not ES2023's: unknown to the light pass.
    const good = "import { defineTemplate } from '@tsimg/core'\nqueueMicrotask(() => {})\nexport default defineTemplate({ build: { sources: [] } })\n"
    const read = await recorded(await template('micro.ts', good))
    expect(read.some((p) => /@types[/\\]node[/\\]index\.d\.ts$/.test(p))).toBe(true)
    // An error of its own is the full check's, alone: not the light pass's "Cannot find name".
    const message = await failure(
      await template('micro-bad.ts', good.replace('queueMicrotask(() => {})', "queueMicrotask(() => {})\nexport const n: number = 'x'")),
    )
    expect(message).toContain("micro-bad.ts:3:14: Type 'string' is not assignable to type 'number'.")
    expect(message).not.toContain('queueMicrotask')
  })
})

describe('starting the check early (the CLI starts it before loading the command)', () => {
  it('hands an early check to the typecheckTemplate that asks for the same file, with its errors', async () => {
    const file = await template(
      'early.ts',
      "import { defineTemplate } from '@tsimg/core'\nexport const n: number = 'one'\nexport default defineTemplate({ build: { sources: [] } })\n",
    )
    startTypecheck(file, dir)
    const ran: string[] = []
    await expect(typecheckTemplate(file, dir, { whileCompiling: () => ran.push('beside') })).rejects.toThrow(
      "early.ts:2:14: Type 'string' is not assignable to type 'number'.",
    )
    // The compiler ran for it (nothing was cached), so the work beside it ran too.
    expect(ran).toEqual(['beside'])
  })

  it('runs the work beside the compiler only when the compiler runs, not for a cached check', async () => {
    const file = await template('beside.ts', "import { defineTemplate } from '@tsimg/core'\nexport default defineTemplate({ build: { sources: [] } })\n")
    const ran: string[] = []
    expect(await typecheckTemplate(file, dir, { whileCompiling: () => ran.push('first') })).toBe('checked')
    expect(await typecheckTemplate(file, dir, { whileCompiling: () => ran.push('second') })).toBe('cached')
    expect(ran).toEqual(['first'])
  })

  it('removes its temporary tsconfig and stops the compiler when the process exits while the compiler runs', async () => {
    const file = await template('dropped.ts', "import { defineTemplate } from '@tsimg/core'\nexport default defineTemplate({ build: { sources: [] } })\n")
    const tmp = await mkdtemp(join(tmpdir(), 'tsimg-tc7-tmp-'))
    const module = new URL('../dist/template/typecheck.js', import.meta.url).href
    // Exits as soon as the compiler has started (it reports that through whileCompiling).
    const script = [
      `const { startTypecheck, typecheckTemplate } = await import(${JSON.stringify(module)})`,
      `startTypecheck(${JSON.stringify(file)}, ${JSON.stringify(dir)})`,
      `const { execFileSync } = await import('node:child_process')`,
      `typecheckTemplate(${JSON.stringify(file)}, ${JSON.stringify(dir)}, { whileCompiling: () => {`,
      `  console.log(execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).trim())`,
      `  process.exit(0)`,
      `} })`,
    ].join('\n')
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: tmp } })
      const [pid, comm] = stdout.trim().split(/\s+/)
      expect(comm).toBe('tsc')
      expect(await readdir(tmp)).toEqual([])
      // Sent SIGTERM at the exit: wait for it to end (gone, or a zombie left to its new parent).
      const running = (): Promise<boolean> =>
        readFile(`/proc/${pid}/status`, 'utf8').then(
          (t) => !/^State:\s+Z/m.test(t),
          () => false,
        )
      while (await running()) await new Promise((r) => setImmediate(r))
    } finally {
      await rm(tmp, { recursive: true, force: true })
    }
  })
})

describe("reading the compiler's output", () => {
  it('parses placed and unplaced diagnostics, their chains and the listed files', () => {
    const out = [
      '/abs/lib.es5.d.ts',
      '/abs/image.ts',
      "image.ts(3,7): error TS2322: Type 'string | undefined' is not assignable to type 'number'.",
      "  Type 'undefined' is not assignable to type 'number'.",
      "error TS5023: Unknown compiler option 'x'.",
      '',
    ].join('\n')
    expect(parseOutput(out, '/work')).toEqual({
      files: ['/abs/lib.es5.d.ts', '/abs/image.ts'],
      diagnostics: [
        {
          category: 'error',
          file: '/work/image.ts',
          line: 3,
          column: 7,
          text: ["Type 'string | undefined' is not assignable to type 'number'.", "  Type 'undefined' is not assignable to type 'number'."],
        },
        { category: 'error', text: ["Unknown compiler option 'x'."] },
      ],
    })
  })
})
