import { z } from 'zod'
import { sshOptionsSchema, type SshOptions } from '@tsimg/core/plugin'

/** Dockerfile instructions `docker commit --change` accepts. */
export const CHANGE_INSTRUCTIONS = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'USER', 'WORKDIR', 'ONBUILD', 'VOLUME'] as const

/**
 * Options of the `docker` source; each names the Packer option it mirrors. The SSH options
 * are Packer's communicator options; `sshPort` is the port sshd listens on inside the
 * container (published on 127.0.0.1), and there is no `sshHost`: the builder always connects
 * to the published port.
 */
export interface DockerSourceOptions extends Omit<SshOptions, 'sshHost'> {
  /** Packer: the source block's label. The build is called `docker.<name>` (just `docker` without one). */
  name?: string
  /** Packer `image`: the image the container starts from, e.g. `tsimg/debian-ssh:bookworm`. */
  image: string
  /**
   * Packer `communicator`: how provisioners reach the container. `'docker'` (the default, as in
   * Packer): commands with `docker exec`, files with `docker cp`; any image with /bin/sh works and
   * no sshd is started. `'ssh'`: sshd in the container (the image needs openssh-server) with a
   * temporary key, on a port published on 127.0.0.1; the ssh* options apply only then.
   */
  communicator?: 'docker' | 'ssh'
  /** Packer `exec_user`: user (`name`, `uid`, `name:group` or `uid:gid`) that commands run as with the docker communicator; default the image's USER. */
  execUser?: string
  /** Packer `fix_upload_owner`: with the docker communicator, uploaded files belong to the user commands run as (else root); default true. */
  fixUploadOwner?: boolean
  /** Packer `container_dir`: a temporary host folder is mounted there for the build (tsimg's uploads do not need it; Packer always mounts one at /packer-files). */
  containerDir?: string
  /** Packer `platform`: `docker run --platform` (and `docker pull --platform`), e.g. `linux/amd64`. */
  platform?: string
  /**
   * Packer `run_command`: the `docker run` arguments after tsimg's labels (and published SSH
   * port), replacing the default, which keeps the container alive whatever the image's
   * entrypoint does; `{{.Image}}` is the image. The container must keep running (`-d -i -t`
   * with a shell, as Packer's default `["-d", "-i", "-t", "--entrypoint=/bin/sh", "--", "{{.Image}}"]`),
   * and the image is committed with the configuration it gave (no entrypoint or command restored).
   */
  runCommand?: string[]
  /** Packer `commit` (false is Packer's `discard`): commit the container to an image; default true. */
  commit?: boolean
  /**
   * Packer `pull`: run `docker pull` on the image first. Default false here (Packer templates
   * default to true, as in Packer). When the pull fails (no registry reachable) and the image
   * exists locally, the build says so and uses the local one; otherwise it fails with the pull's error.
   */
  pull?: boolean
  /** Packer `run_command` (which replaces them all): extra `docker run` arguments, placed before the image. */
  runArgs?: string[]
  /** Packer `privileged`: run the container privileged. */
  privileged?: boolean
  /** Packer: via `run_command` (`-e`): environment of the container; docker commit keeps it in the image. SSH sessions do not see it (use the shell provisioner's environmentVars). */
  env?: Record<string, string>
  /** Packer `volumes`: host path (relative to the template) -> container path bind mounts. */
  volumes?: Record<string, string>
  /** Packer `cap_add`: Linux capabilities to add, e.g. `NET_ADMIN`. */
  capAdd?: string[]
  /** Packer `cap_drop`: Linux capabilities to drop. */
  capDrop?: string[]
  /** Packer `changes`: Dockerfile instructions applied at commit: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, ONBUILD, VOLUME. */
  changes?: string[]
  /** Packer: `changes` with `LABEL`: labels of the committed image. */
  labels?: Record<string, string>
  /** Packer `message`: the commit message. */
  message?: string
  /** Packer `author`: the committed image's author. */
  author?: string
  /** Packer docker-tag post-processor `repository` + `tags`: `repository[:tag]` names of the image; the first names the artifact. */
  tags?: string[]
  /** Packer: none (`docker stop --time`): seconds to wait for the container to stop; default 10. */
  stopTimeout?: number
  /** Packer `ssh_username`: user to log in as, whose authorized_keys gets the temporary key; default `root`. */
  sshUsername?: string
}

const changeRe = new RegExp(`^\\s*(${CHANGE_INSTRUCTIONS.join('|')})\\s+\\S`, 'i')

// Docker's reference grammar, simplified: lowercase path components separated by `/`, an
// optional registry host[:port] first, an optional `:tag` (128 chars at most) last.
const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
const registry = '(?:[a-zA-Z0-9-]+(?:\\.[a-zA-Z0-9-]+)*(?::[0-9]+)?/)?'
const tagRe = new RegExp(`^${registry}${component}(?:/${component})*(?::[\\w][\\w.-]{0,127})?$`)

export const dockerOptionsSchema = z.strictObject({
  ...sshOptionsSchema.omit({ sshHost: true }).shape,
  name: z
    .string()
    .regex(/^[A-Za-z0-9][\w-]*$/, 'letters, digits, - and _ only')
    .optional(),
  image: z.string().min(1),
  communicator: z.enum(['docker', 'ssh']).default('docker'),
  execUser: z.string().min(1).optional(),
  fixUploadOwner: z.boolean().default(true),
  containerDir: z.string().startsWith('/', 'must be an absolute container path').optional(),
  platform: z
    .string()
    .regex(/^[a-z0-9]+(\/[a-z0-9_.-]+){0,2}$/, 'os[/arch[/variant]], e.g. linux/amd64')
    .optional(),
  runCommand: z.array(z.string()).min(1).optional(),
  commit: z.boolean().default(true),
  pull: z.boolean().default(false),
  runArgs: z.array(z.string()).default([]),
  privileged: z.boolean().default(false),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a valid variable name'), z.string()).default({}),
  volumes: z.record(z.string().min(1), z.string().startsWith('/', 'must be an absolute container path')).default({}),
  capAdd: z.array(z.string().min(1)).default([]),
  capDrop: z.array(z.string().min(1)).default([]),
  changes: z.array(z.string().regex(changeRe, `must start with one of ${CHANGE_INSTRUCTIONS.join(', ')} followed by its value`)).default([]),
  labels: z.record(z.string().min(1), z.string()).default({}),
  message: z.string().optional(),
  author: z.string().optional(),
  tags: z.array(z.string().regex(tagRe, 'not a valid repository[:tag] (lowercase repository; tag of letters, digits, _ . -)')).default([]),
  stopTimeout: z.number().int().nonnegative().default(10),
  sshUsername: z.string().min(1).default('root'),
})

/** The options with defaults applied, as the steps read them. */
export type DockerOptions = z.output<typeof dockerOptionsSchema>

// Keeps the documented interface and the schema in step: this fails to compile if they drift.
type Input = z.input<typeof dockerOptionsSchema>
const _same: [Required<DockerSourceOptions>, Required<Input>] extends [Required<Input>, Required<DockerSourceOptions>] ? true : never = true
void _same
