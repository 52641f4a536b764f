import { sshFields, COMMUNICATOR_VALUES } from './common.js'
import { code, wholeCode } from '../convert-code.js'
import { dockerUnsupported } from './docker-unsupported.js'
import { field, isIgnored, isUnsupported, noted, unsupported, type PluginMapping } from './table.js'

/** tsimg names of the SSH communicator's options: Packer ignores them with its docker communicator. */
const SSH_OPTIONS = Object.values(sshFields).flatMap((f) => (isUnsupported(f) || isIgnored(f) || f.option.startsWith('__') ? [] : [f.option]))

/** Packer's docker builder -> `docker` from @tsimg/builder-docker. */
export const dockerBuilder: PluginMapping = {
  kind: 'source',
  packerType: 'docker',
  module: '@tsimg/builder-docker',
  factory: 'docker',
  generated: ['ID', 'Host', 'Port', 'User', 'SourceImage', ...COMMUNICATOR_VALUES],
  // run_command's {{.Image}} is the builder's own (Packer renders it when starting the container).
  selfFilled: ['runCommand'],
  fields: {
    ...sshFields,
    ...dockerUnsupported,
    ssh_host: unsupported('the docker builder always connects to the port it publishes on 127.0.0.1'),
    // Packer's docker builder talks to the container with `docker exec` ("docker", its default)
    // or over SSH ("ssh"); tsimg does both.
    communicator: noted(
      field('communicator', 'string'),
      '"docker" (the default: docker exec and docker cp, no sshd needed) or "ssh"; with docker the ssh_* options are ignored, with ssh exec_user and fix_upload_owner are, as in Packer',
    ),
    image: field('image', 'string'),
    commit: field('commit', 'bool'),
    discard: noted(field('__discard', 'bool'), 'true -> commit: false'),
    pull: noted(field('pull', 'bool'), 'default true, as in Packer; offline, a local image is used'),
    privileged: field('privileged', 'bool'),
    volumes: field('volumes', 'map'),
    cap_add: field('capAdd', 'strings'),
    cap_drop: field('capDrop', 'strings'),
    changes: field('changes', 'strings'),
    message: field('message', 'string'),
    author: field('author', 'string'),
    run_command: noted(field('runCommand', 'strings'), '{{.Image}} is the image'),
    exec_user: field('execUser', 'string'),
    fix_upload_owner: field('fixUploadOwner', 'bool'),
    container_dir: field('containerDir', 'string'),
    platform: field('platform', 'string'),
    export_path: unsupported('tsimg commits the container to an image; to export it, add a shell-local post-processor running `docker save`'),
    login: unsupported('registry login is not supported: log in with `docker login` before the build'),
    login_server: unsupported('registry login is not supported: log in with `docker login` before the build'),
    login_username: unsupported('registry login is not supported: log in with `docker login` before the build'),
    login_password: unsupported('registry login is not supported: log in with `docker login` before the build'),
  },
  finish(options) {
    const { __discard: discard, ...rest } = options
    const c = rest.communicator ?? 'docker'
    if (c !== 'docker' && c !== 'ssh') {
      throw new Error(`communicator "${String(c)}" is not supported by the docker builder: use "docker" (docker exec, the default) or "ssh"`)
    }
    // As Packer does, the other communicator's options are ignored.
    const drop = c === 'docker' ? SSH_OPTIONS : ['execUser', 'fixUploadOwner']
    const out = Object.fromEntries(Object.entries(rest).filter(([k]) => !drop.includes(k)))
    // Packer pulls unless told not to; offline, the builder falls back to a local image.
    if (out.pull === undefined) out.pull = true
    if (discard === true) out.commit = false
    // In convert, a discard set from a variable is code: the image.ts commits unless it is true.
    const discardCode = wholeCode(discard)
    if (discardCode !== undefined) out.commit = code(`!(${discardCode})`)
    return out
  },
}
