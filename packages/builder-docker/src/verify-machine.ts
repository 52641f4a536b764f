import { connectSsh, sshTargetFromOptions, temporaryKeyPair, type StepList, type VerifyMachineFactory } from '@tsimg/core/plugin'
import { authorizeKey } from './step-authorize-key.js'
import { connectDocker } from './step-connect-docker.js'
import { sourceImage } from './step-source-image.js'
import { startContainer } from './step-start-container.js'
import { startSshd } from './step-start-sshd.js'
import { shortId, type DockerEnv, type DockerState } from './state.js'

/**
 * Start a container of `env.options.image` and connect to it: docker exec, or (communicator
 * 'ssh') a temporary key, sshd in the container, the key authorized and an SSH connection.
 * The build container and the verify machine both come from these steps.
 */
export function machineSteps(env: DockerEnv): StepList<DockerState> {
  const o = env.options
  if (o.communicator === 'docker') return [startContainer(env), connectDocker(env)]
  return [
    temporaryKeyPair<DockerState>({ ssh: o }),
    startContainer(env),
    startSshd(env),
    authorizeKey(env),
    connectSsh<DockerState>((state) =>
      sshTargetFromOptions(
        { ...o, sshPort: undefined },
        { host: '127.0.0.1', port: state.sshHostPort, username: o.sshUsername, privateKey: state.sshPrivateKey, baseDir: env.build.templateDir },
      ),
    ),
  ]
}

/**
 * The verify phase's machine: a new container of the image just committed (never pulled),
 * with the build's run options and communicator, labelled with the build id like the build
 * container (journaled, removed by its cleanup, swept by `tsimg cleanup`).
 */
export function verifyMachine(env: DockerEnv, existing?: string): VerifyMachineFactory<DockerState, DockerState> {
  return (state) => {
    const image = existing ?? state.image?.id
    if (!image) return env.options.commit ? 'the build committed no image' : 'the build commits no image (commit: false)'
    const venv: DockerEnv = { build: env.build, options: { ...env.options, image, pull: false } }
    return {
      description: existing ? `container of the image ${existing}` : `container of the new image ${shortId(image)}`,
      state: { generated: {} },
      steps: [sourceImage(venv), ...machineSteps(venv)],
    }
  }
}
