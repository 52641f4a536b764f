import { CopyImageCommand, CreateTagsCommand } from '@aws-sdk/client-ec2'
import { BUILD_ID_LABEL, TsimgError, type Step } from '@tsimg/core'
import { deleteImage } from './images.js'
import { PLUGIN, toTags, type AwsEnv, type AwsState } from './state.js'
import { recordImage, snapshotIdsOf, waitForImage } from './step-create-image.js'

/**
 * Reads the new AMI; with encryptBoot, replaces it by an encrypted copy in the same region;
 * then copies it to every amiRegions region. Each copy is recorded (state + journal + scope)
 * the moment CopyImage answers; a copy that fails is deleted at once, and the create-image
 * cleanup removes the rest if the build fails.
 */
export function copyImages(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:copy-images',
    async run(ctx) {
      const { state, ui, signal, journal } = ctx
      const o = env.options
      const source = state.images[0]!
      if (o.encryptBoot) {
        ui.say(`Copying/Encrypting AMI (${source.imageId}) in ${env.region}...`)
        const encrypted = await copyOne(ctx, env.region, source.imageId, true)
        // The unencrypted original was only a stepping stone.
        await deleteImage(env.api, source.region, source.imageId, signal, source.snapshotIds)
        await journal.remove(source.journalId)
        state.images.splice(state.images.indexOf(source), 1)
        state.images.splice(state.images.indexOf(encrypted), 1)
        state.images.unshift(encrypted)
      }
      const primary = state.images[0]!
      const regions = [...new Set(o.amiRegions)].filter((r) => r !== env.region)
      for (const region of regions) {
        await journal.addScope({ plugin: PLUGIN, data: { region, ...(o.endpoint ? { endpoint: o.endpoint } : {}) } })
        ui.say(`Copying/Encrypting AMI (${primary.imageId}) to other regions...`)
        ui.message(`Copying to: ${region}`)
      }
      // Copies run concurrently (as Packer does); every one is awaited before a failure is thrown.
      const results = await Promise.allSettled(regions.map((r) => copyOne(ctx, r, primary.imageId, Boolean(o.encryptBoot))))
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${regions[i]}: ${(r.reason as Error).message}`] : []))
      if (failed.length) throw new TsimgError('AWS_COPY_FAILED', `Error copying AMI: ${failed.join('; ')}`)
    },
  }

  async function copyOne({ state, ui, signal, journal }: Parameters<Step<AwsState>['run']>[0], region: string, imageId: string, encrypt: boolean) {
    const o = env.options
    const res = await env.api.call(
      region,
      (c, x) =>
        c.send(
          new CopyImageCommand({
            SourceRegion: env.region,
            SourceImageId: imageId,
            ClientToken: `${env.build.id}-copy-${region}-${encrypt ? 'enc' : 'plain'}`,
            Name: o.amiName,
            ...(o.amiDescription ? { Description: o.amiDescription } : {}),
            ...(encrypt ? { Encrypted: true, ...(o.kmsKeyId ? { KmsKeyId: o.kmsKeyId } : {}) } : {}),
          }),
          x,
        ),
      { signal, creates: true },
    )
    const copyId = res.ImageId
    if (!copyId) throw new TsimgError('AWS_COPY_IMAGE', `CopyImage to ${region} answered without an image id`)
    const copy = await recordImage(env, state, journal, region, copyId)
    ui.message(`AMI: ${region}: ${copyId}`)
    signal.throwIfAborted()
    try {
      await env.api.call(region, (c, x) => c.send(new CreateTagsCommand({ Resources: [copyId], Tags: toTags({ [BUILD_ID_LABEL]: env.build.id }) }), x), {
        signal,
        alsoRetry: ['InvalidAMIID.NotFound'],
      })
      const image = await waitForImage(env, region, copyId, `AMI copy in ${region} to become ready`, ui, signal)
      copy.snapshotIds = snapshotIdsOf(image)
    } catch (err) {
      if (signal.aborted) throw err
      // A failed copy is removed now; the others go on.
      await deleteImage(env.api, region, copyId, signal, copy.snapshotIds).then(
        async () => {
          await journal.remove(copy.journalId)
          state.images.splice(state.images.indexOf(copy), 1)
        },
        () => undefined,
      )
      throw err
    }
    return copy
  }
}
