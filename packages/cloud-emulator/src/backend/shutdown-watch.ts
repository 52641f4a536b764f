import { docker, SESSION_LABEL } from './docker.js'
import { removeContainer } from './instances.js'
import type { Cloud } from './cloud.js'
import type { InstanceState } from './types.js'

/**
 * Notices instances whose container exited on its own (`shutdown -h now`, sshd killed) and
 * applies the instance-initiated shutdown behavior, as EC2 does: 'stop' leaves it stopped,
 * 'terminate' terminates it. Polls docker only while some instance is running.
 */
export function watchShutdowns(cloud: Cloud, intervalMs = 1000): () => void {
  let busy = false
  const timer = setInterval(() => {
    // A paper machine has no container to exit.
    const running = [...cloud.instances.values()].filter((i) => i.state === 'running' && !i.transition && !i.paper)
    if (busy || running.length === 0) return
    busy = true
    void docker([
      'ps',
      '-a',
      '--filter',
      `label=${SESSION_LABEL}=${cloud.session}`,
      '--filter',
      'status=exited',
      '--format',
      '{{.Label "tsimg-emulator.instance"}}',
    ])
      .then((out) => {
        const exited = new Set(out.split('\n').filter(Boolean))
        for (const i of running) {
          if (!exited.has(i.id) || i.state !== 'running' || i.transition) continue
          i.transitionReason = `Client.InstanceInitiatedShutdown: Instance initiated shutdown (${new Date().toISOString()})`
          i.stateReason = { code: 'Client.InstanceInitiatedShutdown', message: 'Client.InstanceInitiatedShutdown: Instance initiated shutdown' }
          if (i.shutdownBehavior === 'terminate') {
            i.state = 'shutting-down'
            const t = (i.transition = cloud.transition<InstanceState>('terminated', 'instanceTerminated'))
            void cloud.chain(i.id, () => removeContainer(cloud, i)).finally(() => (t.workDone = true))
          } else {
            i.state = 'stopping'
            const t = (i.transition = cloud.transition<InstanceState>('stopped', 'instanceStopped'))
            t.workDone = true
          }
        }
      })
      .catch(() => undefined)
      .finally(() => (busy = false))
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
