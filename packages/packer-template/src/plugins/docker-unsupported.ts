import { allUnsupported, unsupported, type FieldTable } from './table.js'

/**
 * Packer docker builder options tsimg does not have, each with why. Kept apart from the mapping
 * in docker.ts so that supporting one is a line there (later keys win over these).
 */
export const dockerUnsupported: FieldTable = {
  build: unsupported('building from a Dockerfile is not supported: run `docker build` first and give its image'),
  device: unsupported('not supported yet: devices cannot be passed to the container'),
  tmpfs: unsupported('not supported yet: tmpfs mounts cannot be added to the container'),
  runtime: unsupported("not supported yet: the container runs with the engine's default runtime"),
  pty: unsupported('not supported yet: the container is started without a TTY'),
  docker_path: unsupported('tsimg runs `docker` from PATH'),
  windows_container: unsupported('Windows containers are not supported'),
  ...allUnsupported('Amazon ECR login is not supported: log in with `aws ecr get-login-password | docker login` before the build', [
    'ecr_login',
    'aws_access_key',
    'aws_secret_key',
    'aws_token',
    'aws_profile',
    'aws_force_use_public_ecr',
  ]),
}
