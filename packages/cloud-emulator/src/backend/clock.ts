import { tickJobs } from './jobs.js'
import { removeContainer } from './power.js'
import { releaseOnTerminate } from './public-ips.js'
import type { Cloud } from './cloud.js'
import type { DelayKind, Delays, Transition } from './types.js'

/**
 * The cloud's clock: every 50 ms it completes the state changes whose docker work is done
 * and whose delay (`delays`) has passed, fails those told to fail, and advances jobs.
 */

/** Where a state change that fails (delay 'fail', or its work failed) ends, and why. */
const FAIL_STATES: Record<DelayKind, string> = {
  instanceRunning: 'terminated',
  instanceStopped: 'running',
  instanceTerminated: 'terminated',
  imageAvailable: 'failed',
  snapshotCompleted: 'error',
}
const FAIL_REASONS: Record<DelayKind, string> = {
  instanceRunning: 'Server.InternalError: Internal error on launch',
  instanceStopped: 'Server.InternalError: Internal error on stop',
  instanceTerminated: 'Server.InternalError: Internal error on terminate',
  imageAvailable: 'Client.InternalError: Client error on snapshot creation',
  snapshotCompleted: 'Server.InternalError: Snapshot creation failed',
}

function due<S>(delays: Delays, t: Transition<S>): boolean {
  const delay = delays[t.kind]
  if (t.failTo !== undefined) return true
  if (!t.workDone || delay === 'stuck') return false
  if (delay === 'fail') {
    t.failTo = FAIL_STATES[t.kind] as S
    t.failReason = FAIL_REASONS[t.kind]
    return true
  }
  return Date.now() - t.since >= delay
}

export function tickCloud(cloud: Cloud): void {
  for (const i of cloud.instances.values()) {
    const t = i.transition
    if (!t || !due(cloud.delays, t)) continue
    i.state = t.failTo ?? t.to
    if (t.failReason) i.stateReason = { code: t.failReason.split(':')[0]!, message: t.failReason }
    i.transition = undefined
    if (t.failTo === 'terminated') void cloud.chain(i.id, () => removeContainer(cloud, i))
    if (i.state === 'terminated') {
      cloud.addresses.delete(i.address)
      releaseOnTerminate(cloud, i)
    }
  }
  for (const img of cloud.images.values()) {
    const t = img.transition
    if (!t || !due(cloud.delays, t)) continue
    img.state = t.failTo ?? t.to
    if (t.failReason) img.stateReason = t.failReason
    img.transition = undefined
  }
  for (const s of cloud.snapshots.values()) {
    const t = s.transition
    if (!t || !due(cloud.delays, t)) continue
    s.state = t.failTo ?? t.to
    s.transition = undefined
  }
  tickJobs(cloud)
}
