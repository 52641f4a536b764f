import { z } from 'zod'
import { TsimgError, type Artifact, type PostProcessorPlugin } from '@tsimg/core/plugin'
import { docker } from './docker-cli.js'

export const dockerTagSchema = z.strictObject({
  /** Packer `repository`: the repository to tag the image into, e.g. `acme/web`. */
  repository: z
    .string()
    .regex(
      /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$|^[a-zA-Z0-9.-]+(?::\d+)?\/.+$/,
      'not a valid repository (lowercase)',
    ),
  /** Packer `tags` (`tag` is its old name): tags to give; default `latest`. */
  tags: z.array(z.string().regex(/^[\w][\w.-]{0,127}$/, 'not a valid tag')).optional(),
  /** Packer `force`: accepted for compatibility; `docker tag` always moves an existing tag. */
  force: z.boolean().optional(),
})

export type DockerTagOptions = z.infer<typeof dockerTagSchema>

/**
 * Packer's `docker-tag` post-processor: tags the image a docker build made as
 * `repository:tag` for each tag. The artifact it passes on names the last tag, as Packer's does.
 * Tagging adds names only: the image and its earlier tags are kept.
 */
export function dockerTag(options: DockerTagOptions): PostProcessorPlugin<DockerTagOptions> {
  return {
    kind: 'post-processor',
    type: 'docker-tag',
    options,
    schema: dockerTagSchema,
    async postProcess(artifact: Artifact, ctx): Promise<Artifact> {
      if (artifact.builderType !== 'docker') {
        throw new TsimgError('DOCKER_TAG_INPUT', `docker-tag can only tag images made by the docker builder, not a ${artifact.builderType} artifact`)
      }
      let last = artifact.id
      for (const tag of options.tags?.length ? options.tags : ['latest']) {
        const ref = `${options.repository}:${tag}`
        ctx.ui.message(`Tagging image: ${artifact.id}`)
        ctx.ui.message(`Repository: ${ref}`)
        await docker(['tag', artifact.id, ref], { signal: ctx.signal })
        last = ref
      }
      return {
        ...artifact,
        id: last,
        description: `Imported Docker image: ${last}`,
        data: { ...artifact.data, tags: [...((artifact.data?.tags as string[] | undefined) ?? []), last] },
      }
    },
  }
}
