import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { TemplateError } from '../errors.js'
import { knownClean, rememberClean } from './_typecheck-cache.js'
import { tsimgFallback } from './_resolve-tsimg.js'
import { displayPath } from './load.js'

/** At most this many diagnostics are shown; the rest are counted. */
const MAX_SHOWN = 20

/**
 * Type-checks a TypeScript template before anything is created, so a wrong option is reported as
 * `image.ts:12:5: Type 'string' is not assignable ...`. Packages (`@tsimg/*`) resolve from the
 * template's own location, as the editor resolves them. TypeScript is loaded only when needed.
 * Says what it did: `checked` (the compiler ran, clean), `cached` (nothing it read changed
 * since a clean check) or `skipped` (not TypeScript); a type error throws.
 */
export async function typecheckTemplate(file: string, cwd = process.cwd()): Promise<'checked' | 'cached' | 'skipped'> {
  if (!/\.[cm]?tsx?$/.test(file)) return 'skipped'
  const fallback = tsimgFallback(dirname(file))
  // Checked before TypeScript is even loaded: that alone takes ~0.4 s.
  const cacheKey = JSON.stringify({ v: 1, ts: typescriptVersion(), scope: fallback?.scopeDir ?? null })
  if (await knownClean(file, cacheKey)) return 'cached'
  const ts = (await import('typescript')).default
  const options: import('typescript').CompilerOptions = {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    esModuleInterop: true,
    skipLibCheck: true,
    isolatedModules: true,
    types: ['node'],
  }
  if (fallback) {
    options.paths = { '@tsimg/*': [join(fallback.scopeDir, '*')] }
    // @types/node next to our own installation, for a template folder that has none.
    options.typeRoots = [join(fallback.scopeDir, '..', '@types')]
  }
  const host = ts.createCompilerHost(options, true)
  let program = ts.createProgram({ rootNames: [file], options, host })
  let diagnostics = ts.getPreEmitDiagnostics(program)
  // Without @types/node next to the template, 'node' is simply not available: not the user's error.
  if (diagnostics.some((d) => d.code === 2688)) {
    const { types: _omit, ...rest } = options
    program = ts.createProgram({ rootNames: [file], options: rest, host: ts.createCompilerHost(rest, true) })
    diagnostics = ts.getPreEmitDiagnostics(program)
  }
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error)
  if (errors.length === 0) {
    // TypeScript's own lib files are covered by ts.version in the key.
    const read = program.getSourceFiles().map((f) => f.fileName).filter((f) => !program.isSourceFileDefaultLibrary(program.getSourceFile(f)!))
    await rememberClean(file, cacheKey, read)
    return 'checked'
  }

  const lines = errors.slice(0, MAX_SHOWN).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n    ')
    if (!d.file || d.start === undefined) return text
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start)
    return `${displayPath(d.file.fileName, cwd)}:${line + 1}:${character + 1}: ${text}`
  })
  if (errors.length > MAX_SHOWN) lines.push(`... and ${errors.length - MAX_SHOWN} more`)
  throw new TemplateError(`type errors:\n  ${lines.join('\n  ')}`, {
    file: displayPath(file, cwd),
    hint: 'Fix the template (a library caller can skip this check with typecheck: false).',
  })
}

function typescriptVersion(): string {
  const pkg = createRequire(import.meta.url)('typescript/package.json') as { version: string }
  return pkg.version
}
