/**
 * JavaScript (CommonJS, for jiti) that the type-check's compiler wrote for a template and its
 * local TypeScript imports, by absolute path, with the source it was made from. The loader
 * hands it to jiti in place of its Babel transform, so a template that was just type-checked
 * (new or edited: jiti has no transpiled copy of it in its cache either) does not load Babel
 * (about 25 MB and 0.2-0.4 s): TypeScript compiled it already. Only in this process's memory;
 * jiti's own file cache keeps what it was given.
 */
const byPath = new Map<string, { readonly source: string; readonly code: string }>()

export function rememberTranspiled(path: string, source: string, code: string): void {
  byPath.set(path, { source, code })
}

/**
 * The code for this file if it was compiled from exactly this source, for jiti's asynchronous
 * import (its function wrapper is async and passes `jitiImport`).
 */
export function transpiledFor(path: string, source: string): string | undefined {
  const hit = byPath.get(path)
  return hit && hit.source === source ? hit.code : undefined
}

const SPEC = String.raw`("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')`

/**
 * Turns the compiler's CommonJS into what jiti runs for an ES module, as its Babel transform
 * does: each top-level `require("x")` of an import becomes `(await jitiImport("x"))`, so an
 * imported package that is an ES module is imported natively (through `require`, jiti would
 * transpile it, and all it imports, with Babel). Undefined when a `require` is left (a dynamic
 * `import()`, say): such a file is left to jiti's own transform.
 */
export function forJitiImport(cjs: string): string | undefined {
  const code = cjs
    // const a_1 = require("a");  const b_1 = __importDefault(require("b"));  __importStar(...)
    .replace(new RegExp(String.raw`^((?:const|var|let) [\w$]+ = (?:__importDefault\(|__importStar\()?)require\(${SPEC}\)`, 'gm'), '$1(await jitiImport($2))')
    // import "a";  export * from "a"
    .replace(new RegExp(String.raw`^require\(${SPEC}\);`, 'gm'), 'await jitiImport($1);')
    .replace(new RegExp(String.raw`^__exportStar\(require\(${SPEC}\), exports\);`, 'gm'), '__exportStar(await jitiImport($1), exports);')
  return /\brequire\s*\(/.test(code) ? undefined : code
}
