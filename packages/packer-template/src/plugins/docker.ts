import { finishCommunicator, sshFields } from './common.js'
import { dockerUnsupported } from './docker-unsupported.js'
import { field, unsupported, type PluginMapping } from './table.js'

/** Packer's docker builder -> `docker` from @tsimg/builder-docker. */
export const dockerBuilder: PluginMapping = {
  kind: 'source',
  packerType: 'docker',
  module: '@tsimg/builder-docker',
  factory: 'docker',
  generated: ['ID', 'Host', 'Port', 'User', 'SourceImage'],
  fields: {
    ...sshFields,
    ...dockerUnsupported,
    ssh_host: unsupported('the docker builder always connects to the port it publishes on 127.0.0.1'),
    image: field('image', 'string'),
    commit: field('commit', 'bool'),
    discard: field('__discard', 'bool'),
    pull: field('pull', 'bool'),
    privileged: field('privileged', 'bool'),
    volumes: field('volumes', 'map'),
    cap_add: field('capAdd', 'strings'),
    cap_drop: field('capDrop', 'strings'),
    changes: field('changes', 'strings'),
    message: field('message', 'string'),
    author: field('author', 'string'),
    run_command: unsupported('tsimg starts the container itself; extra `docker run` arguments go in the image.ts option runArgs (tsimg convert writes the rest)'),
    export_path: unsupported('tsimg commits the container to an image; to export it, add a shell-local post-processor running `docker save`'),
    login: unsupported('registry login is not supported: log in with `docker login` before the build'),
    login_server: unsupported('registry login is not supported: log in with `docker login` before the build'),
    login_username: unsupported('registry login is not supported: log in with `docker login` before the build'),
    login_password: unsupported('registry login is not supported: log in with `docker login` before the build'),
    platform: unsupported('the container runs on the engine\'s own platform'),
    fix_upload_owner: unsupported('files are uploaded over SFTP as the SSH user'),
    container_dir: unsupported('uploads go over SFTP; there is no container_dir'),
    exec_user: unsupported('commands run as ssh_username over SSH'),
  },
  finish(options) {
    const { __discard: discard, __communicator: communicator, ...rest } = options
    // Packer's docker builder talks to the container with `docker exec`; tsimg reaches the same
    // container over SSH, so the docker communicator is the default here too.
    const out = finishCommunicator(communicator === 'docker' ? rest : { ...rest, ...(communicator === undefined ? {} : { __communicator: communicator }) })
    if (discard === true) out.commit = false
    return out
  },
}
