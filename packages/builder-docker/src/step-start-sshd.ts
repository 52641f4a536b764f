import { setTimeout as sleep } from 'node:timers/promises'
import { TsimgError, type Step } from '@tsimg/core/plugin'
import { docker, DockerError } from './docker-cli.js'
import { containerSshPort } from './step-start-container.js'
import { shortId, type DockerEnv, type DockerState } from './state.js'

/** How long sshd may take to listen after it was started. */
const LISTEN_TIMEOUT_MS = 15_000

/**
 * Shell test (run in the container) for a TCP socket listening on the port: reads
 * /proc/net/tcp{,6} so it needs no ss/netstat in the image.
 */
function listeningTest(port: number): string {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  return `grep -Eq ':${hex} [0-9A-F]+:0000 0A' /proc/net/tcp /proc/net/tcp6 2>/dev/null`
}

/**
 * Reads state.container; makes sure sshd listens in it: when nothing listens on the SSH port,
 * creates host keys and starts /usr/sbin/sshd (as root, with docker exec) and waits for it.
 * Creates nothing outside the container.
 */
export function startSshd(env: DockerEnv): Step<DockerState> {
  return {
    name: 'docker:start-sshd',
    async run({ state, ui, signal }) {
      const c = state.container
      if (!c) throw new TsimgError('NO_CONTAINER', 'docker:start-sshd needs state.container (the docker:start-container step)')
      const port = containerSshPort(env)
      const listening = async () => (await docker(['exec', c.id, 'sh', '-c', listeningTest(port)], { signal, allowExitCodes: [1, 2] })).exitCode === 0
      if (await listening()) {
        ui.message(`sshd is already listening on port ${port} in the container`)
        return
      }
      ui.say('Starting sshd in the container...')
      const start = [
        'set -e',
        'if [ ! -x /usr/sbin/sshd ]; then echo "/usr/sbin/sshd not found: the image needs openssh-server" >&2; exit 127; fi',
        'mkdir -p /run/sshd',
        'ssh-keygen -A >/dev/null',
        `/usr/sbin/sshd -p ${port}`,
      ].join('\n')
      try {
        await docker(['exec', '-u', '0', c.id, 'sh', '-c', start], { signal })
      } catch (err) {
        const why = err instanceof DockerError ? err.stderr.trim() || err.message : String(err)
        throw new TsimgError('SSHD_START_FAILED', `could not start sshd in container ${shortId(c.id)}: ${why}`, {
          cause: err,
          hint: `The source image must contain OpenSSH's server (${env.options.image}: install openssh-server).`,
        })
      }
      const deadline = Date.now() + LISTEN_TIMEOUT_MS
      while (!(await listening())) {
        if (Date.now() > deadline) {
          throw new TsimgError(
            'SSHD_START_FAILED',
            `sshd started in container ${shortId(c.id)} but does not listen on port ${port} after ${LISTEN_TIMEOUT_MS / 1000}s`,
          )
        }
        await sleep(100, undefined, { signal })
      }
    },
  }
}
