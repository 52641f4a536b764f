import { TsimgError, type Step } from '@tsimg/core/plugin'
import { DockerExecCommunicator } from './exec-communicator.js'
import type { DockerEnv, DockerState } from './state.js'

/**
 * Reads state.container and state.sourceImage; sets state.communicator to the docker exec
 * communicator (Packer's "docker" communicator) and the generated User. Nothing to wait for and
 * nothing created: the container runs, and commands go through `docker exec`.
 */
export function connectDocker(env: DockerEnv): Step<DockerState> {
  return {
    name: 'docker:connect',
    async run({ state, ui }) {
      const c = state.container
      if (!c) throw new TsimgError('NO_CONTAINER', 'docker:connect needs state.container (the docker:start-container step)')
      const comm = new DockerExecCommunicator({
        containerId: c.id,
        execUser: env.options.execUser,
        imageUser: state.sourceImage?.user,
        fixUploadOwner: env.options.fixUploadOwner,
      })
      ui.say(`Using docker communicator to connect: ${c.id.slice(0, 12)}`)
      state.communicator = comm
      state.generated.User = comm.user
      // Packer's docker communicator: no password or key, as its generated data has.
      Object.assign(state.generated, { ConnType: 'docker', Password: '', SSHPublicKey: '', SSHPrivateKey: '', WinRMPassword: '' })
    },
    async cleanup({ state }) {
      if (state.communicator instanceof DockerExecCommunicator) {
        await state.communicator.close()
        delete state.communicator
      }
    },
  }
}
