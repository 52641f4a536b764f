import { TsimgError, errorMessage, type Step } from '@tsimg/core/plugin'
import { DockerError, docker } from './docker-cli.js'
import { shortId, type DockerEnv, type DockerState } from './state.js'

interface InspectedImage {
  Id: string
  Config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; User?: string } | null
}

/**
 * Reads `image` (and `pull`); pulls it when asked, then inspects it and sets state.sourceImage
 * (id, entrypoint, cmd). Creates nothing the build must delete: a pulled image is kept, as Packer does.
 */
export function sourceImage(env: DockerEnv): Step<DockerState> {
  return {
    name: 'docker:source-image',
    async run({ state, ui, signal }) {
      const ref = env.options.image
      const platform = env.options.platform
      let pullError: unknown
      if (env.options.pull) {
        ui.say(`Pulling Docker image: ${ref}`)
        const done = ui.wait(`Pulling ${ref}`)
        try {
          const r = await docker(['pull', ...(platform ? ['--platform', platform] : []), ref], { signal })
          for (const line of r.stdout.split('\n')) if (line.trim()) ui.message(line)
        } catch (err) {
          if (!(err instanceof DockerError)) throw err
          // Offline, or a tag made on this machine: a local image is as good as Packer's pulled one.
          pullError = err
        } finally {
          done()
        }
      }
      const r = await docker(['image', 'inspect', '--format', '{{json .}}', ref], { signal, allowExitCodes: [1] })
      if (r.exitCode !== 0) {
        if (pullError) {
          throw new TsimgError('SOURCE_IMAGE_MISSING', `source image ${ref} could not be pulled and is not here: ${errorMessage(pullError)}`, {
            cause: pullError,
            hint: `Check the image name and the registry connection, or build or load it first (docker images ${ref}).`,
          })
        }
        throw new TsimgError('SOURCE_IMAGE_MISSING', `source image ${ref} not found${env.options.pull ? '' : ' locally (pull is false)'}`, {
          hint: env.options.pull ? 'Check the image name.' : `Check the image name, build or load it first (docker images ${ref}), or set pull: true.`,
        })
      }
      if (pullError) ui.error(`Could not pull ${ref} (${errorMessage(pullError)}); using the local image`)
      const info = JSON.parse(r.stdout) as InspectedImage
      state.sourceImage = {
        ref,
        id: info.Id,
        entrypoint: nonEmpty(info.Config?.Entrypoint),
        cmd: nonEmpty(info.Config?.Cmd),
        user: info.Config?.User ?? '',
      }
      state.generated.SourceImage = ref
      ui.say(`Using source image ${ref} (${shortId(info.Id)})`)
    },
  }
}

function nonEmpty(a: string[] | null | undefined): string[] | null {
  return a && a.length > 0 ? a : null
}
