import { cp, mkdtemp, readFile, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importDefault } from '../dist/template/load.js'
import { typecheckTemplate } from '../dist/template/typecheck.js'

const fixtures = join(import.meta.dirname, 'fixtures', 'templates')
let dir: string
let cache: string
const saved = process.env.TSIMG_CACHE_DIR

beforeAll(async () => {
  // Next to the fixtures, so the template's imports (zod, @tsimg/*) resolve as they do there.
  dir = await mkdtemp(join(fixtures, '.tc-'))
  cache = await mkdtemp(join(tmpdir(), 'tsimg-tc-cache-'))
  process.env.TSIMG_CACHE_DIR = cache
  await cp(join(fixtures, 'good.ts'), join(dir, 'image.ts'))
  await cp(join(fixtures, 'lib'), join(dir, 'lib'), { recursive: true })
})
afterAll(async () => {
  if (saved === undefined) delete process.env.TSIMG_CACHE_DIR
  else process.env.TSIMG_CACHE_DIR = saved
  await rm(dir, { recursive: true, force: true })
  await rm(cache, { recursive: true, force: true })
})

/** Sets a file's mtime an hour back, as a file not touched lately (the cache trusts such a file's unchanged stat). */
async function age(path: string): Promise<Date> {
  const old = new Date(Date.now() - 3_600_000)
  await utimes(path, old, old)
  return old
}

describe('type-check cache', () => {
  it('remembers a clean check, and never hides an error made after it in the template or what it imports', async () => {
    const image = join(dir, 'image.ts')
    const lib = join(dir, 'lib', 'touch-source.ts')
    expect(await typecheckTemplate(image, dir)).toBe('checked')
    expect(await readdir(join(cache, 'typecheck'))).toHaveLength(1)
    // Served from the cache: still clean, and the compiler did not run.
    expect(await typecheckTemplate(image, dir)).toBe('cached')

    const good = await readFile(image, 'utf8')
    await writeFile(image, good.replace('variable.number({ default: 1 })', "variable.number({ default: 'one' })"))
    await expect(typecheckTemplate(image, dir)).rejects.toThrow(/image\.ts:\d+:\d+: Type 'string' is not assignable to type 'number'/)
    // Failures are not cached: the same broken template is refused again.
    await expect(typecheckTemplate(image, dir)).rejects.toThrow(/image\.ts:\d+:\d+: Type 'string'/)
    // Back to the very text that checked clean: that record still holds.
    await writeFile(image, good)
    expect(await typecheckTemplate(image, dir)).toBe('cached')

    const libText = await readFile(lib, 'utf8')
    await writeFile(lib, `${libText}\nexport const broken: number = 'not a number'\n`)
    await expect(typecheckTemplate(image, dir)).rejects.toThrow(/touch-source\.ts:\d+:\d+: Type 'string' is not assignable/)
    await writeFile(lib, libText)
    expect(await typecheckTemplate(image, dir)).toBe('cached')
  }, 300_000)

  it('trusts an old file by its unchanged stat, yet re-checks an edit that keeps its size and mtime', async () => {
    // A template of its own, so no earlier record serves it.
    const image = join(dir, 'aged.ts')
    await cp(join(dir, 'image.ts'), image)
    const good = await readFile(image, 'utf8')
    const old = await age(image)
    await age(join(dir, 'lib', 'touch-source.ts'))
    expect(await typecheckTemplate(image, dir)).toBe('checked')
    expect(await typecheckTemplate(image, dir)).toBe('cached')

    // Same length, same mtime (as a tool that restores mtimes would leave it): the inode's ctime
    // still changes, so the file is hashed again, and the error is found.
    const bad = good.replace('default: 1 }', "default:'' }")
    expect(bad.length).toBe(good.length)
    await writeFile(image, bad)
    await utimes(image, old, old)
    // utimes takes seconds as a double, so the read-back mtime may differ from it below a microsecond.
    expect(Math.round((await stat(image)).mtimeMs)).toBe(old.getTime())
    await expect(typecheckTemplate(image, dir)).rejects.toThrow(/aged\.ts:\d+:\d+: Type 'string' is not assignable to type 'number'/)
    await writeFile(image, good)
    expect(await typecheckTemplate(image, dir)).toBe('cached')
  }, 300_000)

  it('loads an edited template anew although its transpiled form is cached', async () => {
    const file = join(dir, 'plain.ts')
    await writeFile(file, "export default { description: 'first' as string }\n")
    expect(await importDefault(file)).toEqual({ description: 'first' })
    expect((await readdir(join(cache, 'jiti'))).length).toBeGreaterThan(0)
    await writeFile(file, "export default { description: 'second' as string }\n")
    expect(await importDefault(file)).toEqual({ description: 'second' })
  }, 60_000)
})
