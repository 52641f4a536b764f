import { z } from 'zod'
import { TemplateError } from '../errors.js'
import type { BaseState, SourcePlugin } from '../plugin/types.js'
import type { Step } from '../runner/step.js'
import { hasUserCredentials, sshOptionsSchema, sshSecrets, type SshOptions } from '../ssh/options.js'
import { connectSsh } from '../ssh/step-connect-ssh.js'
import { sshTargetFromOptions } from '../ssh/target.js'

/**
 * Options of the `ssh` source (Packer's `null` builder with the SSH communicator): provision a
 * machine that already exists. Each names the Packer option it mirrors.
 */
export interface SshHostOptions extends Omit<SshOptions, 'sshHost' | 'temporaryKeyPairType' | 'temporaryKeyPairBits' | 'sshClearAuthorizedKeys'> {
  /** Packer: the source block's label. The build is called `ssh.<name>` (just `ssh` without one). */
  name?: string
  /** Packer `ssh_host`: address of the machine to provision. */
  host: string
}

const sshHostSchema = z.strictObject({
  ...sshOptionsSchema.omit({ sshHost: true, temporaryKeyPairType: true, temporaryKeyPairBits: true, sshClearAuthorizedKeys: true }).shape,
  name: z
    .string()
    .regex(/^[A-Za-z0-9][\w-]*$/, 'letters, digits, - and _ only')
    .optional(),
  host: z.string().min(1),
})

// Keeps the documented interface and the schema in step: this fails to compile if they drift.
type Input = z.input<typeof sshHostSchema>
const _same: [Required<SshHostOptions>, Required<Input>] extends [Required<Input>, Required<SshHostOptions>] ? true : never = true
void _same

/**
 * The ssh source has nothing to create: it connects and provisions. Its artifact names the
 * host (`ssh:<host>`, "Provisioned <host> (no image)") so post-processors such as manifest
 * still record the run, where Packer's null builder reports "did not export anything".
 */
export type SshHostState = BaseState

/**
 * `ssh` source: provisions an existing host over SSH and makes no image (Packer's `null`
 * builder). There is no temporary key pair, since nothing could authorize it on the host:
 * give sshPrivateKeyFile, sshPassword or sshAgentAuth.
 *
 *   sshHost({ name: 'lab', host: '10.0.0.5', sshUsername: 'admin', sshPrivateKeyFile: '~/.ssh/id_ed25519' })
 */
export function sshHost(options: SshHostOptions): SourcePlugin<SshHostOptions, SshHostState> {
  return {
    kind: 'source',
    type: 'ssh',
    name: options.name ?? '',
    options,
    schema: sshHostSchema,
    async validate(ctx) {
      if (!hasUserCredentials(options)) {
        throw new TemplateError('needs sshPrivateKeyFile, sshPassword or sshAgentAuth: an existing host cannot trust a temporary key', {
          file: ctx.templateFile,
          field: ctx.path,
        })
      }
      try {
        // Reads the key files, so an unreadable one fails before anything connects.
        await sshTargetFromOptions({ ...options, sshHost: options.host }, { baseDir: ctx.templateDir })
      } catch (err) {
        if (err instanceof TemplateError) throw new TemplateError(err.message, { file: ctx.templateFile, field: ctx.path, cause: err })
        throw err
      }
    },
    secrets: () => sshSecrets(options),
    steps({ build, provision }) {
      const target = () => sshTargetFromOptions({ ...options, sshHost: options.host }, { baseDir: build.templateDir })
      return [connectSsh<SshHostState>(target), provision<SshHostState>(), describeHost(options.host)]
    },
    initialState: () => ({ generated: {} }),
  }
}

/** Sets state.artifact: `ssh:<host>`, nothing to delete. */
function describeHost(host: string): Step<SshHostState> {
  return {
    name: 'ssh:artifact',
    async run({ state, build }) {
      state.artifact = { builderType: 'ssh', buildName: build.name, id: `ssh:${host}`, description: `Provisioned ${host} (no image)`, data: { host } }
    },
  }
}
