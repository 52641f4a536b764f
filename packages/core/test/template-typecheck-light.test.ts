import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { forJitiImport } from '../dist/template/_transpiled.js'
import { lightPass, nativeCompiler } from '../dist/template/typecheck.js'

const run = promisify(execFile)
const packagesDir = join(import.meta.dirname, '..', '..')
const fixtures = join(import.meta.dirname, 'fixtures', 'templates')
let dir: string
let cache: string

beforeAll(async () => {
  // Next to the fixtures, so @tsimg/* resolve from the template's folder as for a user's.
  dir = await mkdtemp(join(fixtures, '.light-'))
  cache = await mkdtemp(join(tmpdir(), 'tsimg-light-cache-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
  await rm(cache, { recursive: true, force: true })
})

describe("the type-check's light pass (no @types/node)", () => {
  it("has a stand-in for every Node name that tsimg's declarations a template can import use (none is left to be any)", async () => {
    const entries = (await readdir(packagesDir))
      .filter((p) => p === 'core' || p === 'cloud-kit' || p.startsWith('builder-') || p.startsWith('provisioner-'))
      .map((p) => join(packagesDir, p, 'dist', 'index.d.ts'))
    // @tsimg/core/plugin too: a template may define a plugin of its own.
    entries.push(join(packagesDir, 'core', 'dist', 'plugin.d.ts'))
    expect(entries.length).toBeGreaterThanOrEqual(10)
    const compiler = await nativeCompiler()
    // The template check's settings, but with the declarations checked (skipLibCheck off), so a
    // name they use and nothing declares is reported.
    const full = { noEmit: true, strict: true, target: 'es2022', lib: ['es2023'], module: 'esnext', moduleResolution: 'bundler', skipLibCheck: false }
    const missing = async (standIns: boolean): Promise<string[]> => {
      const light = lightPass(full)
      const work = await mkdtemp(join(tmpdir(), 'tsimg-light-'))
      try {
        await writeFile(
          join(work, 'tsconfig.json'),
          JSON.stringify({ compilerOptions: light.compilerOptions, files: [...entries, ...(standIns ? light.files : [])] }),
        )
        const out = await run(compiler.exe, ['--project', join(work, 'tsconfig.json'), '--pretty', 'false'], { cwd: work, maxBuffer: 1 << 26 }).then(
          (r) => r.stdout,
          (e: { stdout: string }) => e.stdout,
        )
        // Cannot find name / namespace / module, no exported member: in tsimg's own declarations.
        return out.split('\n').filter((l) => /[/\\]packages[/\\][^/\\]+[/\\]dist[/\\].*error TS(2304|2503|2580|2591|2592|2305|2307|2694|2724):/.test(l))
      } finally {
        await rm(work, { recursive: true, force: true })
      }
    }
    expect(await missing(true)).toEqual([])
    // Without them, the same compile names what they stand in for: the check above can see a gap.
    const gaps = (await missing(false)).join('\n')
    expect(gaps).toContain("Cannot find name 'AbortSignal'")
    expect(gaps).toContain("Cannot find namespace 'NodeJS'")
  })
})

describe("the compiler's JavaScript for the template loader", () => {
  /** Type-checks and loads a template in a fresh Node process; returns its default export (JSON) and whether Babel was loaded. */
  async function checkAndLoad(file: string): Promise<{ value: unknown; babel: boolean; checked: string }> {
    const core = (p: string): string => JSON.stringify(new URL(`../dist/${p}`, import.meta.url).href)
    const script = [
      `const { typecheckTemplate } = await import(${core('template/typecheck.js')})`,
      `const { importDefault } = await import(${core('template/load.js')})`,
      `const { createRequire } = await import('node:module')`,
      `const checked = await typecheckTemplate(${JSON.stringify(file)}, ${JSON.stringify(dir)})`,
      `const value = await importDefault(${JSON.stringify(file)})`,
      `const babel = Object.keys(createRequire(import.meta.url).cache).some((k) => /jiti[/\\\\]dist[/\\\\]babel\\.cjs$/.test(k))`,
      `console.log(JSON.stringify({ value, babel, checked }))`,
    ].join('\n')
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, TSIMG_CACHE_DIR: await mkdtemp(join(cache, 'c-')) },
    })
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as { value: unknown; babel: boolean; checked: string }
  }

  it('loads a template it just checked without Babel, with its local .ts import, a JSON import, a re-export and top-level await', async () => {
    await writeFile(join(dir, 'helper.ts'), 'export const greet = (n: string): string => `hi ${n}`\nexport enum Size { Small = 1, Large = 2 }\n')
    await writeFile(join(dir, 'data.json'), '{"port": 2222}\n')
    const file = join(dir, 'image.ts')
    await writeFile(
      file,
      [
        "import { defineTemplate, sshHost } from '@tsimg/core'",
        "import { greet, Size } from './helper.ts'",
        "import data from './data.json'",
        "export * from './helper.ts'",
        'const port: number = await Promise.resolve(data.port)',
        'export default defineTemplate({',
        '  description: greet(`size ${Size.Large}`),',
        "  build: { sources: [sshHost({ name: 'h', host: 'x', sshUsername: 'root', sshPort: port })] },",
        '})',
        '',
      ].join('\n'),
    )
    const got = await checkAndLoad(file)
    expect(got.checked).toBe('checked')
    expect(got.babel).toBe(false)
    expect(got.value).toMatchObject({ description: 'hi size 2' })
  })

  it("leaves a template that uses import.meta to jiti's Babel transform, which maps it", async () => {
    const file = join(dir, 'meta.ts')
    await writeFile(
      file,
      "import { defineTemplate } from '@tsimg/core'\nexport default defineTemplate({ description: new URL('.', import.meta.url).pathname, build: { sources: [] } })\n",
    )
    const got = await checkAndLoad(file)
    expect(got.babel).toBe(true)
    expect(got.value).toMatchObject({ description: `${dir}/` })
  })

  it("turns the compiler's top-level requires into jiti's imports, and gives up on any other require", () => {
    const cjs = [
      '"use strict";',
      'const a_1 = require("a");',
      "const b_1 = __importDefault(require('./b.json'));",
      'require("side-effect");',
      '__exportStar(require("./c"), exports);',
      '',
    ].join('\n')
    expect(forJitiImport(cjs)).toBe(
      [
        '"use strict";',
        'const a_1 = (await jitiImport("a"));',
        "const b_1 = __importDefault((await jitiImport('./b.json')));",
        'await jitiImport("side-effect");',
        '__exportStar(await jitiImport("./c"), exports);',
        '',
      ].join('\n'),
    )
    // A dynamic import() (CommonJS: a require inside a function) is not a top-level import.
    expect(forJitiImport('exports.f = () => Promise.resolve().then(() => __importStar(require("x")));\n')).toBeUndefined()
  })
})
