import { badState } from './errors.js'
import { docker } from './docker.js'
import { authorizeKeyScript } from './first-boot.js'
import { getInstance } from './lookup.js'
import { waitForSshBanner } from './ssh-ready.js'
import { closePaper, listenPaper } from './paper.js'
import type { Cloud } from './cloud.js'
import type { Instance } from './types.js'

/**
 * Power state changes of instances: stop, start, terminate, reboot. Each records the
 * transition at once and does the docker work on the instance's chain; the cloud's clock
 * completes the state once the work is done and its delay has passed.
 */

function releaseVolumes(cloud: Cloud, instance: Instance): void {
  for (const d of instance.devices) {
    const v = cloud.volumes.get(d.volumeId)
    if (!v) continue
    if (d.deleteOnTermination) cloud.volumes.delete(v.id)
    else {
      v.state = 'available'
      v.attachment = undefined
    }
  }
}

export interface StateChange {
  readonly id: string
  readonly previous: Instance['state']
  readonly current: Instance['state']
}

export function stopInstances(cloud: Cloud, region: string, ids: readonly string[]): StateChange[] {
  const instances = ids.map((id) => getInstance(cloud, region, id))
  for (const i of instances)
    if (!['running', 'stopping', 'stopped'].includes(i.state))
      throw badState('instance', i.id, `This instance '${i.id}' is not in a state from which it can be stopped.`)
  return instances.map((i) => {
    const previous = i.state
    if (i.state === 'running') {
      i.state = 'stopping'
      i.transitionReason = `User initiated (${new Date().toISOString()})`
      const t = (i.transition = cloud.transition<Instance['state']>('stopped', 'instanceStopped'))
      void cloud
        .chain(i.id, async () => {
          if (i.paper) await closePaper(i)
          else await docker(['stop', '-t', '3', i.containerName])
          t.workDone = true
        })
        .catch((error: unknown) => {
          t.failTo = 'running'
          t.failReason = `Server.InternalError: ${(error as Error).message}`
        })
    }
    return { id: i.id, previous, current: i.state }
  })
}

export function startInstances(cloud: Cloud, region: string, ids: readonly string[]): StateChange[] {
  const instances = ids.map((id) => getInstance(cloud, region, id))
  for (const i of instances)
    if (!['pending', 'running', 'stopped'].includes(i.state))
      throw badState('instance', i.id, `The instance '${i.id}' is not in a state from which it can be started.`)
  return instances.map((i) => {
    const previous = i.state
    if (i.state === 'stopped') {
      i.state = 'pending'
      i.transitionReason = ''
      const t = (i.transition = cloud.transition<Instance['state']>('running', 'instanceRunning'))
      void cloud
        .chain(i.id, async () => {
          if (i.paper) {
            applyPendingPaperKey(i)
            await listenPaper(cloud, i)
          } else {
            await docker(['start', i.containerName])
            await applyPendingKey(i)
            await waitForSshBanner(i.address)
          }
          t.workDone = true
        })
        .catch((error: unknown) => {
          t.failTo = 'stopped'
          t.failReason = `Server.InternalError: ${(error as Error).message}`
        })
    }
    return { id: i.id, previous, current: i.state }
  })
}

export function terminateInstances(cloud: Cloud, region: string, ids: readonly string[]): StateChange[] {
  const instances = ids.map((id) => getInstance(cloud, region, id))
  for (const i of instances)
    if (i.disableApiTermination && i.state !== 'terminated')
      throw badState(
        'instance',
        i.id,
        `The instance '${i.id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`,
        'termination-protected',
      )
  return instances.map((i) => {
    const previous = i.state
    if (i.state !== 'terminated' && i.state !== 'shutting-down') {
      i.state = 'shutting-down'
      i.transitionReason = `User initiated (${new Date().toISOString()})`
      const t = (i.transition = cloud.transition('terminated', 'instanceTerminated'))
      void cloud
        .chain(i.id, () => removeContainer(cloud, i))
        .then(
          () => (t.workDone = true),
          () => (t.workDone = true),
        )
    }
    return { id: i.id, previous, current: i.state }
  })
}

/** Removes an instance's container and its volumes marked delete-on-termination. */
export async function removeContainer(cloud: Cloud, i: Instance): Promise<void> {
  if (i.paper) await closePaper(i)
  else await docker(['rm', '-f', '-v', i.containerName]).catch(() => undefined)
  releaseVolumes(cloud, i)
}

/** RebootInstances: the container restarts; the state stays running, as EC2 shows it. */
export function rebootInstances(cloud: Cloud, region: string, ids: readonly string[]): void {
  const instances = ids.map((id) => getInstance(cloud, region, id))
  for (const i of instances)
    if (i.state === 'terminated' || i.state === 'shutting-down')
      throw badState('instance', i.id, `The instance '${i.id}' is not in a state from which it can be rebooted.`)
  for (const i of instances)
    if (i.state === 'running' && !i.paper) void cloud.chain(i.id, () => docker(['restart', '-t', '3', i.containerName])).catch(() => undefined)
}

/**
 * A key pair attached (or detached) while the instance was stopped or running takes effect
 * at the next start: its public key replaces the authorized keys of the login user and root.
 */
async function applyPendingKey(i: Instance): Promise<void> {
  if (i.pendingKey === undefined) return
  i.authorizedKey = i.pendingKey ?? undefined
  await docker(['exec', '-i', i.containerName, 'sh', '-s'], authorizeKeyScript(i.loginUser, i.pendingKey ?? ''))
  i.pendingKey = undefined
}

/** The same for a paper machine: the key its SSH server lets in changes. */
function applyPendingPaperKey(i: Instance): void {
  if (i.pendingKey === undefined) return
  i.authorizedKey = i.pendingKey ?? undefined
  i.pendingKey = undefined
}
