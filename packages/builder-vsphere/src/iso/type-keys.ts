import { setTimeout as sleepFor } from 'node:timers/promises'
import { typingPlan, parseBootCommand, type TypingAction, type UsbKeyEvent } from './boot-command.js'

/** Sends one key event to the VM (one PutUsbScanCodes call); resolves with the count vSphere reports. */
export type PutUsbScanCodes = (event: UsbKeyEvent, signal: AbortSignal) => Promise<number>

export interface TypeOptions {
  readonly put: PutUsbScanCodes
  readonly signal: AbortSignal
  /** Pause after every key event (Packer's key interval). */
  readonly keyIntervalMs: number
  /** Pause before the one retry of a failed event (Packer's boot_keygroup_interval, often 0). */
  readonly retryPauseMs: number
  /** Reports a failed event that is retried. */
  readonly onRetry?: (error: unknown, action: TypingAction) => void
  /** Waits (injectable for tests); default: a timer that the signal cancels. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> => sleepFor(ms, undefined, { signal })

/**
 * Types a boot command (placeholders already filled) as Packer's vSphere builder does: one
 * PutUsbScanCodes call per key event, the key interval after each, a failed event retried once
 * after the key group interval, `<wait...>` pauses in between. Stops at the signal.
 * Resolves with the number of key events sent.
 */
export async function typeBootCommand(command: string, o: TypeOptions): Promise<number> {
  const plan = typingPlan(parseBootCommand(command))
  const sleep = o.sleep ?? defaultSleep
  let sent = 0
  for (const action of plan) {
    o.signal.throwIfAborted()
    if (action.kind === 'wait') {
      await sleep(action.ms, o.signal)
      continue
    }
    try {
      await o.put(action.event, o.signal)
    } catch (e) {
      if (o.signal.aborted) throw e
      o.onRetry?.(e, action)
      await sleep(o.retryPauseMs, o.signal)
      await o.put(action.event, o.signal)
    }
    sent++
    await sleep(o.keyIntervalMs, o.signal)
  }
  return sent
}
