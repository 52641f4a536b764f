import { CreateImageCommand, DeleteTagsCommand, DescribeImagesCommand, type Image } from '@aws-sdk/client-ec2'
import { BUILD_ID_LABEL, errorMessage, TsimgError, type CleanupContext, type Step } from '@tsimg/core'
import { deleteImage, deleteSnapshot, snapshotsTagged } from './images.js'
import { PLUGIN, pollOptions, resourceData, tagSpec, tempName, type AwsEnv, type AwsState, type CreatedImage } from './state.js'
import { toMapping } from './step-run-instance.js'
import { pollUntil } from './wait.js'

/**
 * Reads the stopped instance; creates the AMI (tagged with the build id, recorded in state and
 * journal the moment CreateImage answers) and waits until it is available. Its cleanup deletes
 * every AMI of the build (copies too) and their snapshots unless the build succeeded; on
 * success it keeps them and drops the build-id tag and the journal entries.
 */
export function createImage(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:create-image',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      const instanceId = state.instance!.id
      // With encryptBoot this AMI is only the source of the encrypted copy, which takes amiName.
      const name = o.encryptBoot ? `${tempName(env.build)}-unencrypted` : o.amiName
      ui.say(`Creating AMI ${name} from instance ${instanceId}`)
      const res = await env.api.call(
        env.region,
        (c, x) =>
          c.send(
            new CreateImageCommand({
              InstanceId: instanceId,
              Name: name,
              ...(o.amiDescription ? { Description: o.amiDescription } : {}),
              ...(o.amiBlockDeviceMappings.length ? { BlockDeviceMappings: o.amiBlockDeviceMappings.map(toMapping) } : {}),
              TagSpecifications: [tagSpec('image', env.build), tagSpec('snapshot', env.build)],
            }),
            x,
          ),
        { signal, creates: true },
      )
      const imageId = res.ImageId
      if (!imageId) throw new TsimgError('AWS_CREATE_IMAGE', 'CreateImage answered without an image id')
      await recordImage(env, state, journal, env.region, imageId)
      ui.message(`AMI: ${imageId}`)
      signal.throwIfAborted()
      const image = await waitForImage(env, env.region, imageId, 'AMI to become ready', ui, signal)
      state.images[0]!.snapshotIds = snapshotIdsOf(image)
    },
    async cleanup(ctx) {
      if (ctx.state.images.length === 0) return
      if (ctx.outcome === 'success') await keepImages(env, ctx)
      else await deleteImages(env, ctx)
    },
  }
}

/** Remembers an AMI the moment it exists, so any later failure deletes it. */
export async function recordImage(env: AwsEnv, state: AwsState, journal: CleanupContext<AwsState>['journal'], region: string, imageId: string): Promise<CreatedImage> {
  const journalId = await journal.add({ plugin: PLUGIN, kind: 'image', description: `AMI ${imageId} (${region})`, data: resourceData(env, imageId, region) })
  const created: CreatedImage = { region, imageId, snapshotIds: [], journalId }
  state.images.push(created)
  return created
}

export async function waitForImage(env: AwsEnv, region: string, imageId: string, what: string, ui: { say(t: string): void; wait(t: string): () => void }, signal: AbortSignal): Promise<Image> {
  ui.say(`Waiting for ${what}...`)
  const done = ui.wait(`Waiting for ${what} (${imageId})`)
  try {
    return await pollUntil<Image>(
      `${what} (${imageId})`,
      async () => {
        const res = await env.api.call(region, (c, x) => c.send(new DescribeImagesCommand({ ImageIds: [imageId] }), x), {
          signal,
          alsoRetry: ['InvalidAMIID.NotFound'],
          retries: 5,
        })
        const image = res.Images?.[0]
        const s = image?.State
        if (s === 'available') return { done: true, value: image! }
        if (s === 'failed' || s === 'invalid' || s === 'error' || s === 'deregistered') return { failed: `AMI ${imageId} entered state ${s}${image?.StateReason?.Message ? `: ${image.StateReason.Message}` : ''}` }
        return { done: false, ...(s ? { state: s } : {}) }
      },
      pollOptions(env, signal),
    )
  } finally {
    done()
  }
}

export function snapshotIdsOf(image: Image): string[] {
  return (image.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []))
}

async function deleteImages(env: AwsEnv, { state, ui, signal, journal }: CleanupContext<AwsState>): Promise<void> {
  const failures: string[] = []
  for (const img of [...state.images].reverse()) {
    ui.say(`Deregistering the AMI and deleting associated snapshots because of cancellation, or error... (${img.region}: ${img.imageId})`)
    try {
      const snaps = await deleteImage(env.api, img.region, img.imageId, signal, img.snapshotIds)
      // An AMI deregistered while pending may still have produced snapshots: find them by tag.
      const late = await snapshotsTagged(env.api, img.region, [env.build.id], signal).catch(() => [])
      for (const s of late.filter((s) => !snaps.includes(s))) await deleteSnapshot(env.api, img.region, s, signal)
      await journal.remove(img.journalId)
      state.images.splice(state.images.indexOf(img), 1)
    } catch (err) {
      failures.push(`${img.region}: ${img.imageId} (${errorMessage(err)})`)
    }
  }
  if (failures.length) throw new TsimgError('AWS_IMAGE_CLEANUP', `Could not delete AMI(s): ${failures.join('; ')}. Delete them and their snapshots by hand, or run tsimg cleanup.`)
}

async function keepImages(env: AwsEnv, { state, signal, journal }: CleanupContext<AwsState>): Promise<void> {
  for (const img of state.images) {
    const resources = [img.imageId, ...img.snapshotIds]
    // The build-id tag marks temporary resources for `tsimg cleanup`; a kept AMI is not one.
    await env.api.call(img.region, (c, x) => c.send(new DeleteTagsCommand({ Resources: resources, Tags: [{ Key: BUILD_ID_LABEL }] }), x), { signal })
    await journal.remove(img.journalId)
  }
}
