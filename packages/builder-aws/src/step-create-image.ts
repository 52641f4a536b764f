import { CreateImageCommand, type CreateImageCommandInput } from '@aws-sdk/client-ec2'
import type { Step } from '@tsimg/core/plugin'
import { temporaryName, withOptionalPart, resourceData } from '@tsimg/cloud-kit'
import { findImageByName, snapshotIdsOf, waitForImage } from './ami.js'
import { PLUGIN, type AwsState } from './state.js'
import type { AwsEnv } from './env.js'
import { tagSpec, tagTemporary } from './tags.js'
import { toMapping } from './block-devices.js'

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
      // Packer never sends the snapshots' tags with CreateImage (its snapshots get them from
      // CreateTags once the AMI is available), and endpoints compatible with EC2 refuse that
      // part (HTTP 500 with an HTML page): the snapshots are tagged afterwards, always. The
      // image's own tags are an optional part: on any refusal, CreateImage once more without them.
      let tagLater = false
      const image = await env.images.create({ journal, signal }, env.region, {
        plugin: PLUGIN,
        kind: 'image',
        token: name,
        description: `AMI ${name} (${env.region})`,
        data: { ...resourceData(env), name },
        create: async (requestSignal, stop) => {
          const { answer, dropped } = await withOptionalPart({
            part: 'tags (TagSpecification of type image) in CreateImage',
            with: (budget) =>
              env.api.send(env.region, new CreateImageCommand({ ...input, TagSpecifications: [tagSpec('image', env.build)] }), {
                signal: stop,
                requestSignal,
                budget,
              }),
            without: () => env.api.send(env.region, new CreateImageCommand(input), { signal: stop, requestSignal }),
            dropped: (why) =>
              ui.message(`The endpoint refused tags in CreateImage (${why}); creating the AMI without them and tagging it afterwards, as Packer does.`),
          })
          tagLater = dropped
          return answer
        },
        idOf: (res) => res.ImageId,
        find: (s) => findImageByName(env.api, env.region, name, s),
      })
      ui.message(`AMI: ${image.id}`)
      if (tagLater) await tagTemporary(env, env.region, [image.id!], signal)
      const ready = await waitForImage(env, image, 'AMI', { ui, signal })
      await tagTemporary(env, env.region, snapshotIdsOf(ready), signal)
    },
    async cleanup(ctx) {
      await env.images.cleanup(ctx)
    },
  }
}
