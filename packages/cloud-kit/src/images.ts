import { errorMessage, TsimgError, type BuildJournal, type CleanupContext, type Ui } from '@tsimg/core/plugin'
import { TrackedResource, type CreateContext, type CreateSpec } from './create.js'

/** One image the build made (the first, then its copies), and the snapshots behind it. */
export interface ArtifactImage {
  readonly region: string
  /** The id once the create answered (or was found). */
  readonly id: string | undefined
  snapshotIds: string[]
}

/** The cloud's calls for images; the kit decides when each runs. */
export interface ImageCloud {
  /** What the cloud calls an image, in messages: `AMI`. Default `image`. */
  readonly noun?: string
  /** Deletes the image and its snapshots (the known ones and any the image or tags show); not-found is done. */
  deleteImage(region: string, imageId: string, knownSnapshots: readonly string[], signal: AbortSignal): Promise<void>
  /**
   * Marks a kept image and its snapshots as no longer temporary: tags them with KEPT_LABEL
   * first, then removes the build-id tag, so a sweep leaves them alone even if the second fails.
   */
  keep(region: string, resourceIds: readonly string[], signal: AbortSignal): Promise<void>
  /**
   * After every image of the build is deleted (failure, cancel): snapshots still tagged with
   * the build id in that region (an image deleted while pending may leave them). Never called
   * while one of the build's images lives: their snapshots carry the same tag.
   */
  deleteTaggedSnapshots?(region: string, signal: AbortSignal): Promise<void>
}

class Entry implements ArtifactImage {
  snapshotIds: string[] = []
  constructor(
    readonly region: string,
    readonly tracked: TrackedResource,
  ) {}
  get id(): string | undefined {
    return this.tracked.id
  }
}

/**
 * The images of one build. Each is journaled before its create and recorded the moment the
 * API answers; on failure or cancel all are deleted with their snapshots (awaiting a create
 * still in flight); on success all are kept, their journal entries dropped first, so no
 * later error (an un-tag that fails) ever hands the build's own artifact to `tsimg cleanup`.
 */
export class ArtifactImages {
  readonly #entries: Entry[] = []
  /** Every region an image was made in, also of images deleted since. */
  readonly #regions: string[] = []

  constructor(private readonly cloud: ImageCloud) {}

  /** Images whose create answered, in creation order. */
  get images(): ArtifactImage[] {
    return this.#entries.filter((e) => e.id !== undefined)
  }

  /** Creates (or copies) an image safely; resolves with its entry once the id is known. */
  async create<R>(ctx: CreateContext, region: string, spec: CreateSpec<R>): Promise<ArtifactImage> {
    const entry = new Entry(region, new TrackedResource<R>() as TrackedResource)
    this.#entries.push(entry)
    this.#regions.push(region)
    await entry.tracked.create(ctx, spec as CreateSpec<unknown>)
    return entry
  }

  /** Deletes one image now (a stepping stone, or a failed copy) and forgets it. */
  async delete(image: ArtifactImage, ctx: CreateContext): Promise<void> {
    const entry = this.#entries.find((e) => e === image)
    if (!entry) return
    await entry.tracked.remove(ctx, (id, s) => this.cloud.deleteImage(entry.region, id, entry.snapshotIds, s))
    this.#entries.splice(this.#entries.indexOf(entry), 1)
  }

  /** The step's cleanup: keep on success, delete otherwise. */
  async cleanup(ctx: CleanupContext<unknown>): Promise<void> {
    if (this.#entries.length === 0) return
    if (ctx.outcome === 'success') await this.#keep(ctx.journal, ctx.ui, ctx.signal)
    else await this.#deleteAll(ctx)
  }

  async #deleteAll({ ui, signal, journal }: CleanupContext<unknown>): Promise<void> {
    const failures: string[] = []
    for (const e of [...this.#entries].reverse()) {
      // Packer's wording, so logs read the same.
      ui.say(
        `Deregistering the ${this.cloud.noun ?? 'image'} and deleting associated snapshots because of cancellation, or error... (${e.region}: ${e.id ?? 'create in flight'})`,
      )
      try {
        await this.delete(e, { journal, signal })
      } catch (err) {
        failures.push(`${e.region}: ${e.id ?? '(unanswered create)'} (${errorMessage(err)})`)
      }
    }
    if (failures.length === 0 && this.cloud.deleteTaggedSnapshots) {
      for (const region of new Set(this.#regions)) {
        await this.cloud.deleteTaggedSnapshots(region, signal).catch((err: unknown) => failures.push(`snapshots in ${region} (${errorMessage(err)})`))
      }
    }
    if (failures.length) {
      throw new TsimgError('CLOUD_IMAGE_CLEANUP', `Could not delete image(s): ${failures.join('; ')}`, {
        hint: 'Run tsimg cleanup, or delete them and their snapshots by hand.',
      })
    }
  }

  async #keep(journal: BuildJournal, ui: Pick<Ui, 'error'>, signal: AbortSignal): Promise<void> {
    // First: nothing of the artifact stays in the journal, whatever happens next.
    for (const e of this.#entries) await e.tracked.forget(journal)
    for (const e of this.#entries) {
      if (!e.id) continue
      try {
        await this.cloud.keep(e.region, [e.id, ...e.snapshotIds], signal)
      } catch (err) {
        ui.error(
          `${this.cloud.noun ?? 'Image'} ${e.id} (${e.region}) is kept, but its temporary tsimg-build-id tag could not be removed (${errorMessage(err)}). Remove that tag by hand.`,
        )
      }
    }
  }
}
