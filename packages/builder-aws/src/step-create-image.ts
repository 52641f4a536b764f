import { CreateImageCommand, CreateTagsCommand, type CreateImageCommandInput, type Image } from '@aws-sdk/client-ec2'
import type { Step, StepContext } from '@tsimg/core'
import { errorClassOf, temporaryName, temporaryTags, waitFor, type ArtifactImage } from '@tsimg/cloud-kit'
import { describeImage, findImageByName, snapshotIdsOf } from './ami.js'
import { PLUGIN, type AwsState } from './state.js'
import { imagePollLimit, resourceData, tagSpec, toTags, type AwsEnv } from './env.js'
import { toMapping } from './step-run-instance.js'

/**
 * Reads the stopped instance; creates the AMI (journaled before CreateImage, found by name if
 * its answer is lost, tagged with the build id) and waits until it is available. Its cleanup
 * (the kit's ArtifactImages) deletes every AMI of the build (copies too) and their snapshots
 * unless the build succeeded; on success it keeps them, off the journal and untagged.
 */
export function createImage(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:create-image',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      const instanceId = state.instance!.id
      // With encryptBoot this AMI is only the source of the encrypted copy, which takes amiName.
      const name = o.encryptBoot ? `${temporaryName(env.build)}-unencrypted` : o.amiName
      ui.say(`Creating AMI ${name} from instance ${instanceId}`)
      const input: CreateImageCommandInput = {
        InstanceId: instanceId,
        Name: name,
        ...(o.amiDescription ? { Description: o.amiDescription } : {}),
        ...(o.amiBlockDeviceMappings.length ? { BlockDeviceMappings: o.amiBlockDeviceMappings.map(toMapping) } : {}),
      }
      let tagLater = false
      const image = await env.images.create({ journal, signal }, env.region, {
        plugin: PLUGIN,
        kind: 'image',
        token: name,
        description: `AMI ${name} (${env.region})`,
        data: { ...resourceData(env), name },
        create: async (requestSignal, stop) => {
          const tagged = { ...input, TagSpecifications: [tagSpec('image', env.build), tagSpec('snapshot', env.build)] }
          try {
            return await env.api.send(env.region, new CreateImageCommand(tagged), { signal: stop, requestSignal })
          } catch (err) {
            if (errorClassOf(err) !== 'unsupported') throw err
            // An EC2-compatible endpoint without tag specifications on CreateImage: tag afterwards, as Packer does.
            ui.message('The endpoint does not take tags with CreateImage; tagging the AMI and its snapshots afterwards.')
            tagLater = true
            return await env.api.send(env.region, new CreateImageCommand(input), { signal: stop, requestSignal })
          }
        },
        idOf: (res) => res.ImageId,
        find: (s) => findImageByName(env.api, env.region, name, s),
      })
      ui.message(`AMI: ${image.id}`)
      if (tagLater) await tagTemporary(env, env.region, [image.id!], signal)
      const ready = await waitForImage(env, image, 'AMI', { ui, signal })
      if (tagLater) await tagTemporary(env, env.region, snapshotIdsOf(ready), signal)
    },
    async cleanup(ctx) {
      await env.images.cleanup(ctx)
    },
  }
}

/** CreateTags with the build-id tags, retrying the NotFound of a resource just made. */
export async function tagTemporary(env: AwsEnv, region: string, ids: string[], signal: AbortSignal): Promise<void> {
  if (ids.length === 0) return
  await env.api.send(region, new CreateTagsCommand({ Resources: ids, Tags: toTags(temporaryTags(env.build)) }), { signal, retry: ['not-found'], budget: { attempts: 6 } })
}

/** Waits until an AMI is available (own limit: imagePollAttempts); records its snapshots. `what`: `AMI`, `AMI copy in eu-west-1`. */
export async function waitForImage(env: AwsEnv, image: ArtifactImage, what: string, { ui, signal }: Pick<StepContext<AwsState>, 'ui' | 'signal'>): Promise<Image> {
  const ready = await waitFor<Image>({
    resource: `AMI ${image.id} (${image.region})`,
    until: 'to become ready',
    headline: `Waiting for ${what} to become ready...`,
    ui,
    signal,
    ...imagePollLimit(env),
    probe: async (s) => {
      const found = await describeImage(env.api, image.region, image.id!, s, true)
      const st = found?.State
      if (st === 'available') return { done: true, value: found! }
      if (st === 'failed' || st === 'invalid' || st === 'error' || st === 'deregistered') {
        return { failed: `AMI ${image.id} entered state ${st}${found?.StateReason?.Message ? `: ${found.StateReason.Message}` : ''}` }
      }
      return { done: false, ...(st ? { state: st } : {}) }
    },
  })
  image.snapshotIds = snapshotIdsOf(ready)
  return ready
}
