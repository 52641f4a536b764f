import { access } from 'node:fs/promises'
import { resolve } from 'node:path'
import { TemplateError, sshOptionsSchema, sshSecrets, sshTargetFromOptions, type SourcePlugin } from '@tsimg/core/plugin'
import { dockerOptionsSchema, type DockerSourceOptions } from './options.js'
import { clearTemporaryKey } from './step-authorize-key.js'
import { commitContainer } from './step-commit.js'
import { prevalidate } from './step-pre-validate.js'
import { sourceImage } from './step-source-image.js'
import { stopContainer } from './step-stop-container.js'
import type { DockerEnv, DockerState } from './state.js'
import { machineSteps, verifyMachine } from './verify-machine.js'

/**
 * The `docker` source (Packer's docker builder): starts a container from `image`, provisions it
 * with `docker exec` and `docker cp` (communicator 'docker', the default: any image with
 * /bin/sh), or over SSH (communicator 'ssh': makes sure sshd runs and the temporary key is
 * authorized, connects on a port published on 127.0.0.1), stops the container and commits it
 * to an image with `tags`. The container, key file and a half-made image are always removed.
 *
 *   docker({ name: 'web', image: 'debian:bookworm', tags: ['acme/web:1.0'], changes: ['CMD ["nginx"]'] })
 */
/** The SSH communicator's options (sshUsername is the docker source's own). */
const SSH_KEYS = [...Object.keys(sshOptionsSchema.shape), 'sshUsername']

export function docker(options: DockerSourceOptions): SourcePlugin<DockerSourceOptions, DockerState> {
  return {
    kind: 'source',
    type: 'docker',
    name: options.name ?? '',
    options,
    schema: dockerOptionsSchema,
    async validate(ctx) {
      const o = dockerOptionsSchema.parse(options)
      for (const host of Object.keys(o.volumes)) {
        const path = resolve(ctx.templateDir, host)
        try {
          await access(path)
        } catch {
          throw new TemplateError(`host path ${path} does not exist`, { file: ctx.templateFile, field: `${ctx.path}.volumes[${JSON.stringify(host)}]` })
        }
      }
      // Options of the other communicator would be silently ignored: say so instead.
      const given = (keys: readonly string[]) => keys.filter((k) => (options as unknown as Record<string, unknown>)[k] !== undefined)
      const wrong = o.communicator === 'docker' ? given(SSH_KEYS) : given(['execUser', 'fixUploadOwner'])
      if (wrong.length > 0) {
        const other = o.communicator === 'docker' ? 'ssh' : 'docker'
        throw new TemplateError(`${wrong[0]} applies only with communicator: '${other}' (this source uses '${o.communicator}')`, {
          file: ctx.templateFile,
          field: `${ctx.path}.${wrong[0]}`,
          hint:
            o.communicator === 'docker'
              ? "Set communicator: 'ssh' to connect over SSH (the image then needs openssh-server), or remove it."
              : 'Over SSH commands run as sshUsername; remove it.',
        })
      }
      if (o.communicator !== 'ssh') return
      try {
        // Reads key files now, so an unreadable one fails before anything is created.
        await sshTargetFromOptions(o, { host: '127.0.0.1', baseDir: ctx.templateDir })
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err
        throw new TemplateError(err.message, { file: ctx.templateFile, field: ctx.path, cause: err, ...(err.hint ? { hint: err.hint } : {}) })
      }
    },
    secrets: () => sshSecrets(options),
    steps({ build, provision, verify, verifyImage }) {
      const o = dockerOptionsSchema.parse(options)
      const env: DockerEnv = { options: o, build }
      // tsimg verify --image: only a container of that image, checked and removed.
      if (verifyImage !== undefined) return [verify(verifyMachine(env, verifyImage))]
      // The verify machine is a container of the committed image, started and connected by the same steps.
      const verifyStep = verify(verifyMachine(env))
      return [
        prevalidate(env),
        sourceImage(env),
        ...machineSteps(env),
        provision<DockerState>(),
        o.communicator === 'ssh' && clearTemporaryKey(),
        stopContainer(env),
        commitContainer(env, { untilVerified: Boolean(verifyStep) }),
        verifyStep,
      ]
    },
    initialState: () => ({ generated: {} }),
  }
}
