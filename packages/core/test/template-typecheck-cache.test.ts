import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { typecheckTemplate } from '@tsimg/core'

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

describe('type-check cache', () => {
  it('remembers a clean check, and never hides an error made after it in the template or what it imports', async () => {
    const image = join(dir, 'image.ts')
    const lib = join(dir, 'lib', 'touch-source.ts')
    await typecheckTemplate(image, dir)
    expect(await readdir(join(cache, 'typecheck'))).toHaveLength(1)
    // Served from the cache: still clean.
    await typecheckTemplate(image, dir)

    const good = await readFile(image, 'utf8')
    await writeFile(image, good.replace("variable.number({ default: 1 })", "variable.number({ default: 'one' })"))
    await expect(typecheckTemplate(image, dir)).rejects.toThrow(/image\.ts:\d+:\d+: Type 'string' is not assignable to type 'number'/)
    await writeFile(image, good)
    await typecheckTemplate(image, dir)

    const libText = await readFile(lib, 'utf8')
    await writeFile(lib, `${libText}\nexport const broken: number = 'not a number'\n`)
    await expect(typecheckTemplate(image, dir)).rejects.toThrow(/touch-source\.ts:\d+:\d+: Type 'string' is not assignable/)
    await writeFile(lib, libText)
    await typecheckTemplate(image, dir)
  })
})
