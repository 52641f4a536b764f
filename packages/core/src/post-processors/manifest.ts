import { randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { z } from 'zod'
import { TsimgError, errorMessage } from '../errors.js'
import type { Artifact, PostProcessContext, PostProcessorPlugin } from '../plugin/types.js'

const manifestSchema = z.strictObject({
  /** Manifest path, relative to the template's directory. Default `packer-manifest.json`. */
  output: z.string().min(1).optional(),
  /** Record only file names, not their paths. */
  stripPath: z.boolean().optional(),
  /** Leave out the entry's `build_time` (Packer's `strip_time`), so the manifest is the same on every run. */
  stripTime: z.boolean().optional(),
  /** Added to every entry as `custom_data`. */
  customData: z.record(z.string(), z.string()).optional(),
})

export type ManifestOptions = z.infer<typeof manifestSchema>

/** One entry, in Packer's packer-manifest.json format (so existing tooling reads it). */
export interface ManifestBuild {
  name: string
  builder_type: string
  /** Left out with stripTime, as Packer leaves out a zero build time. */
  build_time?: number
  files: { name: string; size: number }[] | null
  artifact_id: string
  packer_run_uuid: string
  custom_data: Record<string, string> | null
  /**
   * Not Packer's: the build was cancelled after this image was finished. The image exists and
   * was kept; the build exited 130. Absent for a build that succeeded.
   */
  cancelled?: true
}

export interface ManifestFile {
  builds: ManifestBuild[]
  last_run_uuid: string
}

/** Writes to one manifest from parallel builds of the same process are serialized per path. */
const queues = new Map<string, Promise<unknown>>()

/**
 * Packer's `manifest` post-processor: appends an entry per build (name, builder type, build
 * time, files, artifact id, run id, custom data) to a JSON file kept valid at every moment.
 */
export function manifest(options: ManifestOptions = {}): PostProcessorPlugin<ManifestOptions> {
  return {
    kind: 'post-processor',
    type: 'manifest',
    options,
    schema: manifestSchema,
    recordsCancelled: true,
    async postProcess(artifact: Artifact, ctx: PostProcessContext): Promise<Artifact> {
      const path = resolve(ctx.templateDir, options.output ?? 'packer-manifest.json')
      const entry: ManifestBuild = {
        name: ctx.build.sourceName || ctx.build.sourceType,
        builder_type: artifact.builderType,
        ...(options.stripTime ? {} : { build_time: Math.floor(Date.now() / 1000) }),
        files: await fileEntries(artifact.files, ctx.templateDir, options.stripPath ?? false),
        artifact_id: artifact.id,
        packer_run_uuid: ctx.runId,
        // A sensitive variable placed in custom data is redacted here as everywhere else.
        custom_data: options.customData ? Object.fromEntries(Object.entries(options.customData).map(([k, v]) => [k, ctx.ui.redactor.redact(v)])) : null,
        ...(ctx.cancelled && { cancelled: true as const }),
      }
      const prev = queues.get(path) ?? Promise.resolve()
      const mine = prev.then(() => append(path, entry, ctx.runId))
      queues.set(
        path,
        mine.catch(() => undefined),
      )
      await mine
      ctx.ui.message(
        `Manifest: added ${ctx.build.name} to ${path}${ctx.cancelled ? ' (marked cancelled: the build was cancelled after its image was finished)' : ''}`,
      )
      return artifact
    },
  }
}

async function append(path: string, entry: ManifestBuild, runId: string): Promise<void> {
  let doc: ManifestFile = { builds: [], last_run_uuid: runId }
  let text: string | undefined
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (text !== undefined && text.trim() !== '') {
    try {
      const parsed = JSON.parse(text) as Partial<ManifestFile>
      if (!Array.isArray(parsed.builds)) throw new Error('no "builds" list')
      doc = { ...parsed, builds: parsed.builds, last_run_uuid: runId } as ManifestFile
    } catch (err) {
      // Never overwrite a file we cannot read back: it may be someone else's data.
      throw new TsimgError('MANIFEST_UNREADABLE', `manifest ${path} is not a manifest (${errorMessage(err)})`, {
        hint: 'Move the file away or choose another output path.',
      })
    }
  }
  doc.builds.push(entry)
  doc.last_run_uuid = runId
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`
  await writeFile(tmp, JSON.stringify(doc, null, 2) + '\n')
  await rename(tmp, path)
}

async function fileEntries(files: readonly string[] | undefined, dir: string, strip: boolean): Promise<ManifestBuild['files']> {
  if (!files || files.length === 0) return null
  return Promise.all(
    files.map(async (f) => {
      const size = await stat(resolve(dir, f)).then(
        (s) => s.size,
        () => 0,
      )
      return { name: strip ? basename(f) : f, size }
    }),
  )
}
