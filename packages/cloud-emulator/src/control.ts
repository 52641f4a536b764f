import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Fault } from './backend/faults.js'
import type { MachineMode } from './backend/paper.js'
import type { Delays, LedgerEntry } from './backend/types.js'

/** What the control API drives; implemented by the emulator handle in lifecycle.ts. */
export interface Controllable {
  ledger(): LedgerEntry[]
  injectFault(f: Fault): void
  clearFaults(): void
  setDelays(d: Partial<Delays>): void
  setThrottle(probability: number): void
  setMachines(mode: MachineMode): void
  reset(): Promise<void>
  faultsFired(): Record<string, number>
}

function json(res: ServerResponse, status: number, value: unknown): true {
  const text = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
  return true
}

/**
 * `/_emulator/` endpoints for tests in another process:
 *   GET  ledger          live resources
 *   GET  faults          how many calls failed by injection, per action
 *   POST faults          body: a Fault or { faults: Fault[] }
 *   DELETE faults        clear injected faults and throttling
 *   POST throttle        body: { probability }
 *   POST delays          body: Partial<Delays> ('stuck' allowed)
 *   POST machines        body: { mode: 'container' | 'paper' }, for machines launched from now on
 *   POST reset           terminate and delete everything but the catalog
 */
export function controlHandler(target: Controllable) {
  return async (req: IncomingMessage, res: ServerResponse, body: string): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0]!.replace(/^\/_emulator\//, '')
    try {
      const input = body ? (JSON.parse(body) as Record<string, unknown>) : {}
      if (path === 'ledger' && req.method === 'GET') return json(res, 200, target.ledger())
      if (path === 'health' && req.method === 'GET') return json(res, 200, { ok: true })
      if (path === 'faults' && req.method === 'GET') return json(res, 200, target.faultsFired())
      if (path === 'faults' && req.method === 'POST') {
        const list = Array.isArray(input.faults) ? (input.faults as Fault[]) : [input as unknown as Fault]
        for (const f of list) target.injectFault(f)
        return json(res, 200, { ok: true })
      }
      if (path === 'faults' && req.method === 'DELETE') {
        target.clearFaults()
        return json(res, 200, { ok: true })
      }
      if (path === 'throttle' && req.method === 'POST') {
        target.setThrottle(Number(input.probability ?? 0))
        return json(res, 200, { ok: true })
      }
      if (path === 'delays' && req.method === 'POST') {
        target.setDelays(input as Partial<Delays>)
        return json(res, 200, { ok: true })
      }
      if (path === 'machines' && req.method === 'POST') {
        target.setMachines(input.mode as MachineMode)
        return json(res, 200, { ok: true })
      }
      if (path === 'reset' && req.method === 'POST') {
        await target.reset()
        return json(res, 200, { ok: true })
      }
      return json(res, 404, { error: `unknown control endpoint ${req.method} /_emulator/${path}` })
    } catch (error) {
      return json(res, 400, { error: (error as Error).message })
    }
  }
}
