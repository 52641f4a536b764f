import { resolve } from 'node:path'
import { TemplateError } from '../errors.js'
import type { VerifyPlugin, VerifySpec } from './types.js'

const SPEC_KEYS = ['goss', 'varsFile', 'vars', 'varsEnv', 'retryTimeout', 'sleep', 'useSudo', 'checks', 'junit'] as const

/** What `@tsimg/provisioner-goss` offers the engine (loaded only when a template has goss files). */
interface GossModule {
  gossChecks(options: {
    tests: string[]
    varsFile?: string
    varsInline?: Readonly<Record<string, unknown>>
    varsEnv?: Readonly<Record<string, string>>
    retryTimeout?: string | number
    sleep?: string | number
    useSudo?: boolean
  }): VerifyPlugin
}

/**
 * A build's `verify` as check plugins: each goss file becomes the goss plugin's checks (loaded
 * from `@tsimg/provisioner-goss`), then the `checks` given. Errors name the field; nothing is created.
 */
export async function resolveVerify(
  spec: unknown,
  file: string,
  templateDir: string,
): Promise<{ checks: [string, VerifyPlugin][]; junit?: string } | undefined> {
  if (!spec) return undefined
  const fail = (field: string, message: string, hint?: string) => new TemplateError(message, { file, field, ...(hint ? { hint } : {}) })
  if (typeof spec !== 'object' || Array.isArray(spec)) throw fail('verify', 'must be an object such as { goss: "goss.yaml" } or { checks: [...] }')
  const s = spec as VerifySpec & Record<string, unknown>
  for (const key of Object.keys(s)) {
    if (!(SPEC_KEYS as readonly string[]).includes(key)) throw fail(`verify.${key}`, 'unknown option', `verify takes ${SPEC_KEYS.join(', ')}.`)
  }
  const checks: [string, VerifyPlugin][] = []
  const goss = s.goss === undefined ? [] : typeof s.goss === 'string' ? [s.goss] : s.goss
  if (!Array.isArray(goss) || goss.some((g) => typeof g !== 'string' || g === '')) throw fail('verify.goss', 'must be a goss file path or a list of them')
  const gossOnly = (['varsFile', 'vars', 'varsEnv', 'retryTimeout', 'sleep', 'useSudo'] as const).filter((k) => s[k] !== undefined)
  if (goss.length === 0 && gossOnly.length)
    throw fail(`verify.${gossOnly[0]}`, 'applies to goss files, and verify has none', 'Add goss: "goss.yaml", or remove it.')
  if (goss.length) {
    const name = '@tsimg/provisioner-goss'
    let mod: GossModule
    try {
      mod = (await import(name)) as GossModule
    } catch (err) {
      throw new TemplateError('verify.goss needs @tsimg/provisioner-goss, which is not installed', {
        file,
        field: 'verify.goss',
        cause: err,
        hint: 'npm install @tsimg/provisioner-goss',
      })
    }
    goss.forEach((g, i) => {
      checks.push([
        `verify.goss${typeof s.goss === 'string' ? '' : `[${i}]`}`,
        mod.gossChecks({
          tests: [g],
          ...(s.varsFile === undefined ? {} : { varsFile: s.varsFile }),
          ...(s.vars === undefined ? {} : { varsInline: s.vars }),
          ...(s.varsEnv === undefined ? {} : { varsEnv: s.varsEnv }),
          ...(s.retryTimeout === undefined ? {} : { retryTimeout: s.retryTimeout }),
          ...(s.sleep === undefined ? {} : { sleep: s.sleep }),
          ...(s.useSudo === undefined ? {} : { useSudo: s.useSudo }),
        }),
      ])
    })
  }
  if (s.checks !== undefined && !Array.isArray(s.checks)) throw fail('verify.checks', 'must be a list of checks, e.g. [commandCheck({ command: "nginx -t" })]')
  ;(s.checks ?? []).forEach((c, i) => {
    if (!c) return
    const p = c as Partial<VerifyPlugin>
    if (typeof p !== 'object' || p.kind !== 'verify' || typeof p.run !== 'function') {
      throw fail(
        `verify.checks[${i}]`,
        'is not a check',
        'Use a check factory such as commandCheck({ command: "..." }) from @tsimg/core, or gossChecks({ gossFile }) from @tsimg/provisioner-goss.',
      )
    }
    checks.push([`verify.checks[${i}]`, p as VerifyPlugin])
  })
  if (checks.length === 0) throw fail('verify', 'declares no checks', 'Give goss: "goss.yaml" or checks: [...], or remove verify.')
  if (s.junit !== undefined && (typeof s.junit !== 'string' || s.junit === '')) throw fail('verify.junit', 'must be a file path')
  return { checks, ...(s.junit ? { junit: resolve(templateDir, s.junit) } : {}) }
}
