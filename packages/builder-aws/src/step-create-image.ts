import { CreateImageCommand, CreateTagsCommand, type CreateImageCommandInput, type Image } from '@aws-sdk/client-ec2'
import type { Step, StepContext } from '@tsimg/core/plugin'
import { temporaryName, temporaryTags, waitFor, withOptionalPart, type ArtifactImage, type RetryBudget } from '@tsimg/cloud-kit'
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
            with: (budget) => env.api.send(env.region, new CreateImageCommand({ ...input, TagSpecifications: [tagSpec('image', env.build)] }), { signal: stop, requestSignal, budget }),
            without: () => env.api.send(env.region, new CreateImageCommand(input), { signal: stop, requestSignal }),
            dropped: (why) => ui.message(`The endpoint refused tags in CreateImage (${why}); creating the AMI without them and tagging it afterwards, as Packer does.`),
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

/** CreateTags with the build-id tags, retrying the NotFound of a resource just made. */
export async function tagTemporary(env: AwsEnv, region: string, ids: string[], signal: AbortSignal, tags: Readonly<Record<string, string>> = {}): Promise<void> {
  if (ids.length === 0) return
  await env.api.send(region, new CreateTagsCommand({ Resources: ids, Tags: toTags(temporaryTags(env.build, tags)) }), { signal, retry: ['not-found'], budget: { attempts: 6 } })
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

/**
 * An EC2 create whose TagSpecifications are an optional part (the kit's withOptionalPart):
 * sent with them once; on any refusal, sent without them and the new resource tagged with
 * CreateTags (`idsOf` its answer), as Packer does where it tags after the fact.
 */
export async function createWithTags<T>(
  env: AwsEnv,
  ui: Pick<StepContext<AwsState>, 'ui'>['ui'],
  o: { action: string; send: (withTags: boolean, budget?: Partial<RetryBudget>) => Promise<T>; idsOf: (answer: T) => string[]; signal: AbortSignal; tags?: Readonly<Record<string, string>> },
): Promise<T> {
  const { answer, dropped } = await withOptionalPart({
    part: `tags (TagSpecifications) in ${o.action}`,
    with: (budget) => o.send(true, budget),
    without: () => o.send(false),
    dropped: (why) => ui.message(`The endpoint refused tags in ${o.action} (${why}); sending it without them and tagging afterwards.`),
  })
  if (dropped) await tagTemporary(env, env.region, o.idsOf(answer).filter(Boolean), o.signal, o.tags)
  return answer
}
