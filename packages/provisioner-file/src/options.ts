import { z } from 'zod'
import { commonProvisionerShape, type CommonProvisionerOptions } from '@tsimg/core/plugin'

/** Options of the file provisioner; each names the Packer option it mirrors. */
export interface FileOptions extends CommonProvisionerOptions {
  /**
   * Packer `source`: a local file or directory (relative to the template); with
   * direction 'download', a remote path. A directory without a trailing `/` is copied
   * itself (dest/<name>); with a trailing `/` its contents are copied into destination.
   */
  source?: string
  /** Packer `sources`: several sources; destination must then end with `/`. */
  sources?: string[]
  /** Packer `content`: text written to destination, instead of a source file. */
  content?: string
  /** Packer `destination`: remote path (local path for downloads); a trailing `/` means "into this directory". */
  destination: string
  /** Packer `direction`: `'upload'` (default) or `'download'` from the machine. */
  direction?: 'upload' | 'download'
  /** Packer `generated`: the source is made during the build, so it need not exist at validate time. */
  generated?: boolean
}

export const fileSchema = z.strictObject({
  ...commonProvisionerShape,
  source: z.string().min(1).optional(),
  sources: z.array(z.string().min(1)).min(1).optional(),
  content: z.string().optional(),
  destination: z.string().min(1),
  direction: z.enum(['upload', 'download']).optional(),
  generated: z.boolean().optional(),
})

// Keeps the documented interface and the schema in step: this fails to compile if they drift.
type Schema = z.infer<typeof fileSchema>
const _same: [Required<FileOptions>, Required<Schema>] extends [Required<Schema>, Required<FileOptions>] ? true : never = true
void _same
