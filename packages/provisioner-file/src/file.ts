import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  checkCommonOptions,
  checkOneOf,
  checkSchema,
  fieldError,
  type ProvisionContext,
  type ProvisionerPlugin,
  type ValidateContext,
} from '@tsimg/core/plugin'
import { fileSchema, type FileOptions } from './options.js'
import { download, upload, uploadContent } from './transfer.js'

/**
 * Packer's `file` provisioner: copies local files and directory trees to the machine over
 * SFTP, writes `content` to a remote file, or (direction 'download') copies from the machine.
 *
 *   file({ source: 'files/', destination: '/etc/myapp' })
 */
export function file(options: FileOptions): ProvisionerPlugin<FileOptions> {
  const sources = () => options.sources ?? (options.source === undefined ? [] : [options.source])
  return {
    kind: 'provisioner',
    type: 'file',
    options,
    schema: fileSchema,
    async validate(ctx: ValidateContext) {
      checkSchema(fileSchema, options, ctx)
      checkCommonOptions(options, ctx)
      checkOneOf(ctx, options, ['source', 'sources', 'content'])
      const download = options.direction === 'download'
      if (options.content !== undefined) {
        if (download) throw fieldError(ctx, 'content', "content cannot be used with direction 'download'")
        if (options.destination.endsWith('/'))
          throw fieldError(ctx, 'destination', 'with content, destination must be a file path, not a directory ending in /')
      }
      if (sources().length > 1 && !options.destination.endsWith('/')) {
        throw fieldError(ctx, 'destination', 'must be a directory ending in / when several sources are given')
      }
      if (download || options.generated) return
      for (const [i, s] of sources().entries()) {
        const field = options.sources ? `sources[${i}]` : 'source'
        await access(resolve(ctx.templateDir, s), constants.R_OK).catch((err: NodeJS.ErrnoException) => {
          throw fieldError(ctx, field, `cannot read ${s} (${err.code ?? err.message})`, err)
        })
      }
    },
    describe: () => `file ${options.content !== undefined ? 'content' : sources().join(', ')} => ${options.destination}`,
    async provision(ctx: ProvisionContext) {
      if (options.content !== undefined) return uploadContent(ctx, options.content, options.destination)
      for (const s of sources()) {
        if (options.direction === 'download') await download(ctx, s, options.destination)
        else await upload(ctx, s, options.destination)
      }
    },
  }
}
