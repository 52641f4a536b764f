import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { TemplateError, TsimgError, errorMessage } from '../errors.js'
import { knownClean, rememberClean } from './_typecheck-cache.js'
import { tsimgFallback } from './_resolve-tsimg.js'
import { forJitiImport, rememberTranspiled } from './_transpiled.js'
import { displayPath } from './load.js'

/** At most this many diagnostics are shown; the rest are counted. */
const MAX_SHOWN = 20

/**
 * Type-checks a TypeScript template before anything is created, so a wrong option is reported as
 * `image.ts:12:5: Type 'string' is not assignable ...`. Packages (`@tsimg/*`) resolve from the
 * template's own location, as the editor resolves them. Says what it did: `checked` (the
 * compiler ran, clean), `cached` (nothing it read changed since a clean check) or `skipped`
 * (not TypeScript); a type error throws.
 *
 * The compiler is TypeScript 7, the native `tsc` that the `typescript` package ships per platform
 * (@typescript/typescript-<platform>-<arch>). TypeScript 7 has no in-process compiler API for
 * Node, so it runs as a child process on a generated tsconfig: `--pretty false` gives each
 * diagnostic as `file(line,col): error TSnnnn: text`, `--listFiles` the files it read (the
 * cache's inputs). A light pass without @types/node comes first (see checkOnce): about 0.1-0.3 s
 * and 35-40 MB for a template, where TypeScript 5.9 in-process took 1.2 s and 200 MB more of
 * this process.
 */
export async function typecheckTemplate(file: string, cwd = process.cwd(), options: TypecheckOptions = {}): Promise<'checked' | 'cached' | 'skipped'> {
  const path = resolve(cwd, file)
  const started = early.get(path)
  if (started && started.cwd === cwd) {
    early.delete(path)
    if (options.whileCompiling) started.job.alongside(options.whileCompiling)
    return started.result
  }
  const job = new Job()
  if (options.whileCompiling) job.alongside(options.whileCompiling)
  return check(path, cwd, job)
}

export interface TypecheckOptions {
  /**
   * Runs once the compiler has started (not when the check is served from the cache or
   * skipped), beside it: work the caller needs next that does not depend on the outcome, such
   * as loading the template loader. It must not run the template. Its failure is ignored.
   */
  readonly whileCompiling?: () => unknown
}

/** Checks started by startTypecheck, by the template's absolute path, until typecheckTemplate takes them. */
const early = new Map<string, { cwd: string; result: Promise<'checked' | 'cached' | 'skipped'>; job: Job }>()

/** Work to run beside the compiler: queued until it starts, run at once while it runs, dropped once it is done. */
class Job {
  private state: 'before' | 'compiling' | 'after' = 'before'
  private readonly queued: Array<() => unknown> = []
  alongside(f: () => unknown): void {
    if (this.state === 'before') this.queued.push(f)
    else if (this.state === 'compiling')
      void Promise.resolve()
        .then(f)
        .catch(() => {})
  }
  compiling(): void {
    this.state = 'compiling'
    for (const f of this.queued.splice(0)) this.alongside(f)
  }
  done(): void {
    this.state = 'after'
    this.queued.length = 0
  }
}

/**
 * Starts the type-check of a template now, so the compiler runs while the caller loads what it
 * needs next (the CLI calls this before loading the build or validate command); the first
 * typecheckTemplate of the same file and cwd takes its result. A check nobody takes is dropped
 * when the process exits (its compiler killed, its temporary tsconfig removed).
 */
export function startTypecheck(file: string, cwd = process.cwd()): void {
  const path = resolve(cwd, file)
  if (early.has(path) || !/\.[cm]?tsx?$/.test(path) || !existsSync(path)) return
  const job = new Job()
  const result = check(path, cwd, job)
  result.catch(() => {}) // it is reported to whoever takes it
  early.set(path, { cwd, result, job })
}

/**
 * Resolves once the check startTypecheck began for this file has ended (whatever its outcome,
 * which typecheckTemplate still reports), at once if none was started. The CLI waits for it
 * before loading its command, so the command's modules are not loaded while the compiler
 * runs: the two do not add up in memory (the command loads in about the time the compiler
 * saves by having the machine to itself).
 */
export async function startedCheckDone(file: string, cwd = process.cwd()): Promise<void> {
  await early.get(resolve(cwd, file))?.result.catch(() => {})
}

async function check(file: string, cwd: string, job: Job): Promise<'checked' | 'cached' | 'skipped'> {
  try {
    return await checkOnce(file, cwd, job)
  } finally {
    job.done()
  }
}

async function checkOnce(file: string, cwd: string, job: Job): Promise<'checked' | 'cached' | 'skipped'> {
  if (!/\.[cm]?tsx?$/.test(file)) return 'skipped'
  const fallback = tsimgFallback(dirname(file))
  const compiler = await nativeCompiler()
  const cacheKey = JSON.stringify({ v: 2, ts: compiler.version, scope: fallback?.scopeDir ?? null })
  if (await knownClean(file, cacheKey)) return 'cached'

  // @types/node as the editor finds it (node_modules/@types next to the template or above it),
  // then next to our own installation for a template folder that has none. Without any,
  // 'node' is simply not available: not the user's error, so it is not asked for.
  const typeRoots = ancestors(dirname(file)).map((d) => join(d, 'node_modules', '@types'))
  if (fallback) typeRoots.push(join(fallback.scopeDir, '..', '@types'))
  const roots = typeRoots.filter((d) => existsSync(d))
  const compilerOptions: Record<string, unknown> = {
    noEmit: true,
    strict: true,
    target: 'es2022',
    lib: ['es2023'],
    module: 'esnext',
    moduleResolution: 'bundler',
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    esModuleInterop: true,
    skipLibCheck: true,
    isolatedModules: true,
    typeRoots: roots,
    types: roots.some((d) => existsSync(join(d, 'node'))) ? ['node'] : [],
  }
  // Each entry point by name (the subpaths of an exports map too), then any other `@tsimg/*` by folder.
  if (fallback)
    compilerOptions.paths = { ...Object.fromEntries(Object.entries(fallback.types).map(([k, v]) => [k, [v]])), '@tsimg/*': [join(fallback.scopeDir, '*')] }

  // The light pass first, for a template whose own text does not look like it uses Node: the
  // same program without @types/node (and @types/ssh2, which pulls it in), about 25 MB and a
  // third of the compiler's time less. tsimg's declarations mention a few Node names; they get
  // branded stand-ins (typecheck-lite/), so the light pass errs wherever the real types could
  // matter. Any error there, and the template is checked again as the editor checks it, whose
  // diagnostics are the ones reported: "clean" is only ever the answer the full check gives.
  let out: (CompilerOutput & { work: string }) | undefined
  if (!looksLikeNode(await readFile(file, 'utf8').catch(() => ''))) {
    const light = lightPass(compilerOptions)
    const lightOut = await compile(file, light.compilerOptions, job, light.files, compiler)
    if (lightOut.code === 0 && !parseOutput(lightOut.stdout, lightOut.work).diagnostics.some((d) => d.category === 'error')) out = lightOut
  }
  out ??= await compile(file, compilerOptions, job, [], compiler)

  const { diagnostics, files } = parseOutput(out.stdout, out.work)
  const errors = diagnostics.filter((d) => d.category === 'error')
  if (errors.length === 0) {
    if (out.code !== 0) {
      const said = `${out.stderr}${out.stdout}`.trim().split('\n').slice(-5).join('\n  ')
      throw new Error(`the TypeScript compiler (${compiler.exe}) failed (${out.signal ?? `exit ${out.code}`}) without a diagnostic:\n  ${said}`)
    }
    // TypeScript's own lib files are covered by its version in the key.
    const read = files.filter((f) => !f.startsWith(compiler.libDir))
    await rememberClean(file, cacheKey, read)
    await transpileForLoader(read, compiler)
    return 'checked'
  }

  const lines = errors.slice(0, MAX_SHOWN).map((d) => {
    const text = d.text.join('\n    ')
    if (d.file === undefined) return text
    return `${displayPath(d.file, cwd)}:${d.line}:${d.column}: ${text}`
  })
  if (errors.length > MAX_SHOWN) lines.push(`... and ${errors.length - MAX_SHOWN} more`)
  throw new TemplateError(`type errors:\n  ${lines.join('\n  ')}`, {
    file: displayPath(file, cwd),
    hint: 'Fix the template (a library caller can skip this check with typecheck: false).',
  })
}

/** The light pass's stand-ins for the Node names in tsimg's declarations (see typecheck-lite/node.d.ts). */
const LITE_DIR = fileURLToPath(new URL('../../typecheck-lite/', import.meta.url))

/**
 * The light pass's settings from the full check's: no type roots (no @types/node), `ssh2`
 * mapped to its stand-in, and the Node stand-ins as an extra root file.
 */
export function lightPass(compilerOptions: Record<string, unknown>): { compilerOptions: Record<string, unknown>; files: string[] } {
  const paths = (compilerOptions.paths ?? {}) as Record<string, string[]>
  return {
    compilerOptions: { ...compilerOptions, typeRoots: [], types: [], paths: { ...paths, ssh2: [join(LITE_DIR, 'ssh2.d.ts')] } },
    files: [join(LITE_DIR, 'node.d.ts')],
  }
}

/**
 * A template whose own text names something only Node's types declare (a `node:` import,
 * `process`, `Buffer`, `console`, timers...) skips the light pass, which would only err and
 * cost a second compile. A guess that is only about speed: the light pass is never trusted
 * when it errs, and imports of such files err there too.
 */
export function looksLikeNode(source: string): boolean {
  return /\b(?:process|Buffer|console|require|__dirname|__filename|global|setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|structuredClone|fetch|URL|URLSearchParams|TextEncoder|TextDecoder|AbortController|AbortSignal|NodeJS)\b|['"](?:node:[\w/]+|fs|path|os|child_process|crypto|util|url|http|https|net|stream|events|assert|buffer|timers|readline)(?:\/[\w/]+)?['"]/.test(
    source,
  )
}

/** Runs the compiler on a generated tsconfig in a temporary folder (removed after, or at an exit while it runs). */
async function compile(
  file: string,
  compilerOptions: Record<string, unknown>,
  job: Job,
  extraFiles: string[],
  compiler: NativeCompiler,
): Promise<CompilerOutput & { work: string }> {
  const work = await mkdtemp(join(tmpdir(), 'tsimg-typecheck-'))
  let child: ChildProcess | undefined
  // An exit while the compiler runs (a check nobody took, an error elsewhere) leaves neither it nor the tsconfig behind.
  const onExit = (): void => {
    child?.kill()
    rmSync(work, { recursive: true, force: true })
  }
  process.once('exit', onExit)
  try {
    const project = join(work, 'tsconfig.json')
    await writeFile(project, JSON.stringify({ compilerOptions, files: [file, ...extraFiles] }))
    const running = runCompiler(compiler.exe, ['--project', project, '--pretty', 'false', '--listFiles'], work)
    child = running.child
    job.compiling()
    return { ...(await running.done), work }
  } finally {
    process.removeListener('exit', onExit)
    await rm(work, { recursive: true, force: true })
  }
}

/**
 * Has the compiler write the CommonJS that jiti runs for the template's own TypeScript files
 * (those it read outside node_modules), for the loader to use instead of loading Babel
 * (_transpiled.ts): a second, small compile (no types, no resolution, no check: about 15 MB and
 * 0.05 s). A file that uses `import.meta` is left to jiti's own transform, which maps it (the
 * compiler's CommonJS would keep it, and jiti would then not run the file). Best effort: a file
 * the compiler did not write is transpiled by jiti as before.
 */
async function transpileForLoader(read: string[], compiler: NativeCompiler): Promise<void> {
  const own: Array<{ path: string; source: string }> = []
  for (const path of read) {
    if (!/\.ts$/.test(path) || /\.d\.ts$/.test(path) || path.split(sep).includes('node_modules')) continue
    const source = await readFile(path, 'utf8').catch(() => undefined)
    if (source !== undefined && !/\bimport\s*\.\s*meta\b/.test(source)) own.push({ path, source })
  }
  if (own.length === 0) return
  const work = await mkdtemp(join(tmpdir(), 'tsimg-transpile-'))
  const onExit = (): void => rmSync(work, { recursive: true, force: true })
  process.once('exit', onExit)
  try {
    const outDir = join(work, 'out')
    const compilerOptions = {
      module: 'commonjs',
      target: 'es2022',
      esModuleInterop: true,
      resolveJsonModule: true,
      isolatedModules: true,
      noCheck: true,
      noResolve: true,
      noLib: true,
      types: [],
      skipLibCheck: true,
      outDir,
      rootDir: sep,
    }
    const project = join(work, 'tsconfig.json')
    await writeFile(project, JSON.stringify({ compilerOptions, files: own.map((f) => f.path) }))
    // Its diagnostics (no lib, no resolution) do not matter: what it wrote does.
    await runCompiler(compiler.exe, ['--project', project, '--pretty', 'false'], work).done
    for (const { path, source } of own) {
      const code = await readFile(join(outDir, path.replace(/\.ts$/, '.js')), 'utf8').catch(() => undefined)
      const forJiti = code === undefined ? undefined : forJitiImport(code)
      if (forJiti !== undefined) rememberTranspiled(path, source, forJiti)
    }
  } finally {
    process.removeListener('exit', onExit)
    await rm(work, { recursive: true, force: true })
  }
}

interface Diagnostic {
  readonly category: string
  readonly file?: string
  readonly line?: number
  readonly column?: number
  /** The message, then each line of its chain ("  Type 'x' is not assignable ...", indented by level). */
  readonly text: string[]
}

// `path(12,5): error TS2322: Type ...`, or `error TS5023: ...` for one without a place.
const PLACED = /^(.+)\((\d+),(\d+)\): (error|warning|message) TS\d+: (.*)$/
const GLOBAL = /^(error|warning|message) TS\d+: (.*)$/

/**
 * Reads `tsc --pretty false --listFiles` output: diagnostics (a message's chain follows on
 * lines indented below it) and the absolute paths of the files read. Paths in diagnostics are
 * relative to the compiler's working directory `base`.
 */
export function parseOutput(stdout: string, base: string): { diagnostics: Diagnostic[]; files: string[] } {
  const diagnostics: Diagnostic[] = []
  const files: string[] = []
  let last: Diagnostic | undefined
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.trimEnd()
    if (line === '') continue
    const placed = PLACED.exec(line)
    if (placed) {
      const [, path, l, c, category, text] = placed as unknown as [string, string, string, string, string, string]
      last = { category, file: isAbsolute(path) ? path : resolve(base, path), line: Number(l), column: Number(c), text: [text] }
      diagnostics.push(last)
      continue
    }
    const global = GLOBAL.exec(line)
    if (global) {
      last = { category: global[1] as string, text: [global[2] as string] }
      diagnostics.push(last)
      continue
    }
    if (/^\s/.test(line) && last) {
      // Its indent (two spaces a level) is kept, as flattenDiagnosticMessageText gave it.
      last.text.push(line)
      continue
    }
    last = undefined
    if (isAbsolute(line)) files.push(line)
  }
  return { diagnostics, files }
}

function ancestors(dir: string): string[] {
  const all = [dir]
  for (let d = dir; dirname(d) !== d; d = dirname(d)) all.push(dirname(d))
  return all
}

export interface NativeCompiler {
  readonly exe: string
  readonly version: string
  /** TypeScript's own lib.*.d.ts, next to the binary. */
  readonly libDir: string
}

let found: Promise<NativeCompiler> | undefined

/** The native tsc of the `typescript` package this core depends on, found as its own `tsc` bin finds it. */
export function nativeCompiler(): Promise<NativeCompiler> {
  found ??= (async () => {
    const pkgJson = createRequire(import.meta.url).resolve('typescript/package.json')
    const { version } = createRequire(import.meta.url)('typescript/package.json') as { version: string }
    const locate = join(dirname(pkgJson), 'lib', 'getExePath.js')
    if (!existsSync(locate)) {
      throw new Error(
        `the typescript package at ${dirname(pkgJson)} (${version}) is not TypeScript 7: it has no native compiler (lib/getExePath.js); reinstall tsimg's dependencies`,
      )
    }
    const getExePath = ((await import(pathToFileURL(locate).href)) as { default: () => string }).default
    let exe: string
    try {
      exe = getExePath()
    } catch (err) {
      const platformPackage = `@typescript/typescript-${process.platform}-${process.arch}`
      throw new TsimgError(
        'TYPESCRIPT_MISSING',
        `TypeScript ${version}'s compiler for ${process.platform}-${process.arch} (${platformPackage}) is not installed: ${errorMessage(err)}`,
        {
          cause: err,
          hint: `It is an optional dependency of typescript: install without --omit=optional (npm install ${platformPackage}@${version}), or skip the check with typecheck: false.`,
        },
      )
    }
    return { exe, version, libDir: dirname(exe) + sep }
  })()
  found.catch(() => (found = undefined))
  return found
}

interface CompilerOutput {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

function runCompiler(exe: string, args: string[], cwd: string): { child: ChildProcess; done: Promise<CompilerOutput> } {
  const child = spawn(exe, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true })
  const done = new Promise<CompilerOutput>((resolvePromise, reject) => {
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout!.on('data', (b: Buffer) => stdout.push(b))
    child.stderr!.on('data', (b: Buffer) => stderr.push(b))
    child.once('error', reject)
    child.once('close', (code, signal) =>
      resolvePromise({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }),
    )
  })
  return { child, done }
}
