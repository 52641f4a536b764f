import { type Found, goDuration } from './machine.js'
import type { Probe } from './system.js'

/**
 * Runs `exec` with sh, bounded by the check's timeout (goss's default 10 s): coreutils
 * `timeout` on the machine when it has one, and an abort of the command here either way.
 */
export const commandProbe: Probe = async (c, m) => {
  const ms = c.options.timeout as number
  const timedOut = { error: `Command execution timed out (${goDuration(ms)})` }
  const { script, bounded } = await m.withTimeout(c.target, ms)
  const local = new AbortController()
  const outer = m.signal
  const onAbort = () => local.abort()
  outer?.addEventListener('abort', onAbort, { once: true })
  let expired = false
  // the machine's own timeout normally ends it first; this one covers machines without `timeout`
  const timer = setTimeout(
    () => {
      expired = true
      local.abort()
    },
    ms + (bounded ? 5000 : 0),
  )
  try {
    const r = await m.sh(script, local.signal)
    if (bounded && r.exitCode === 124) return all(timedOut)
    return {
      'exit-status': { value: r.exitCode ?? -1 },
      stdout: { value: r.stdout },
      stderr: { value: r.stderr },
    }
  } catch (err) {
    if (expired && !outer?.aborted) return all(timedOut)
    throw err
  } finally {
    clearTimeout(timer)
    outer?.removeEventListener('abort', onAbort)
  }
}

function all(f: Found): Record<string, Found> {
  return { 'exit-status': f, stdout: f, stderr: f }
}
