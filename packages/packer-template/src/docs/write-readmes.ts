// `npm run docs`: writes every package README's Packer option tables from the mappings.
// `--check` writes nothing and exits 1 naming the READMEs that are stale (for CI).
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { README_TABLES, withTables } from './option-table.js'

/** The repository root, from packages/packer-template/dist/docs/. */
const root = fileURLToPath(new URL('../../../../', import.meta.url))
const check = process.argv.includes('--check')
const stale: string[] = []
for (const { readme, tables } of README_TABLES) {
  const path = `${root}${readme}`
  const before = await readFile(path, 'utf8').catch(() => `# ${readme.split('/')[1]}\n`)
  const after = withTables(before, tables)
  if (after === before) continue
  stale.push(readme)
  if (!check) await writeFile(path, after)
}
if (check && stale.length) {
  console.error(`Stale option tables in ${stale.join(', ')}: run npm run docs`)
  process.exit(1)
}
console.log(stale.length ? `Wrote ${stale.join(', ')}` : 'Option tables are up to date')
