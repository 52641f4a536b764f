import type { BaseState, BuildInfo, SshKeyState } from '@tsimg/core/plugin'
import type { DockerOptions } from './options.js'

/** Module name recorded in the journal, so `tsimg cleanup` can load `tsimgResources` from it. */
export const PLUGIN = '@tsimg/builder-docker'

/** Label with the build's name (`docker.web`) next to BUILD_ID_LABEL on the temporary container. */
export const BUILD_NAME_LABEL = 'tsimg-build'

/**
 * Label with the build id on a committed image. Not BUILD_ID_LABEL, which containers run from
 * the image inherit: those must never be taken for the build's own container.
 */
export const IMAGE_BUILD_ID_LABEL = 'tsimg-image-build-id'

/** What the docker steps learned and created, in the order they ran. */
export interface DockerState extends BaseState, SshKeyState {
  /** The source image and the command it would run, restored on the committed image. */
  sourceImage?: { ref: string; id: string; entrypoint: string[] | null; cmd: string[] | null; user: string }
  /** Target tags that already existed (tag -> image id) and that --force moves to the new image. */
  replacedTags?: Record<string, string>
  /**
   * The temporary container; `entrypointOverridden` when it runs /bin/sh instead of the image's
   * entrypoint, `ownRunCommand` when the user's runCommand started it (nothing is restored at commit).
   */
  container?: { id: string; journalId: string; entrypointOverridden: boolean; ownRunCommand?: boolean }
  /** The host folder mounted at containerDir (journaled), removed after the container. */
  hostDir?: { path: string; journalId: string }
  /** Host port on 127.0.0.1 that Docker published for the container's sshd. */
  sshHostPort?: number
  /** Where the temporary public key was installed, and what had to be created for it. */
  authorizedKey?: { user: string; createdDir: boolean; createdFile: boolean; cleared: boolean }
  /** The committed image while it is being tagged (journaled until the build finishes with it). */
  image?: { id: string; tagged: string[]; journalId?: string }
}

/** What every step needs besides its context: the resolved options and the build. */
export interface DockerEnv {
  readonly options: DockerOptions
  readonly build: BuildInfo
}

/** `1a2b3c4d5e6f` of a container or `sha256:` image id. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12)
}
