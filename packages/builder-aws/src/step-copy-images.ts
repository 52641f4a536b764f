import { CopyImageCommand } from '@aws-sdk/client-ec2'
import { TsimgError, errorMessage, type Step, type StepContext } from '@tsimg/core/plugin'
import { scopeData, resourceData, type ArtifactImage } from '@tsimg/cloud-kit'
import { findImageByName } from './ami.js'
import { PLUGIN, type AwsState } from './state.js'
import type { AwsEnv } from './env.js'
import { waitForImage } from './ami.js'
import { tagTemporary } from './tags.js'

/**
 * Reads the new AMI; with encryptBoot, replaces it by an encrypted copy in the same region;
 * then copies it to every amiRegions region. Each copy is journaled before CopyImage (whose
 * client token makes a retry return the same copy) and recorded the moment it answers; a copy
 * that fails is deleted at once, and the create-image cleanup removes the rest if the build fails.
 */
export function copyImages(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:copy-images',
    async run(ctx) {
      const { ui, journal, signal } = ctx
      const o = env.options
      const source = env.images.images[0]!
      let primary = source
      if (o.encryptBoot) {
        ui.say(`Copying/Encrypting AMI (${source.id}) in ${env.region}...`)
        primary = await copyOne(ctx, env.region, source, true)
        // The unencrypted original was only a stepping stone.
        await env.images.delete(source, { journal, signal })
      }
      const regions = [...new Set(o.amiRegions)].filter((r) => r !== env.region)
      for (const region of regions) {
        await journal.addScope({ plugin: PLUGIN, data: scopeData({ ...env.scope, region }) })
        ui.say(`Copying/Encrypting AMI (${primary.id}) to other regions...`)
        ui.message(`Copying to: ${region}`)
      }
      // Copies run concurrently (as Packer does); every one is awaited before a failure is thrown.
      const results = await Promise.allSettled(regions.map((r) => copyOne(ctx, r, primary, Boolean(o.encryptBoot))))
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${regions[i]}: ${errorMessage(r.reason)}`] : []))
      if (failed.length) throw new TsimgError('AWS_COPY_FAILED', `Error copying AMI: ${failed.join('; ')}`)
    },
  }

  async function copyOne({ ui, signal, journal }: StepContext<AwsState>, region: string, from: ArtifactImage, encrypt: boolean): Promise<ArtifactImage> {
    const o = env.options
    const token = `${env.build.id}-copy-${region}-${encrypt ? 'enc' : 'plain'}`
    // amiName is free in the build region only: in a copy region an older AMI may share it.
    const sent = new Date()
    const copy = await env.images.create({ journal, signal }, region, {
      plugin: PLUGIN,
      kind: 'image',
      token,
      description: `AMI ${o.amiName} (copy in ${region})`,
      data: { ...resourceData(env, region), name: o.amiName, sentAt: sent.toISOString() },
      create: (requestSignal, stop) =>
        env.api.send(
          region,
          new CopyImageCommand({
            SourceRegion: env.region,
            SourceImageId: from.id,
            ClientToken: token,
            Name: o.amiName,
            ...(o.amiDescription ? { Description: o.amiDescription } : {}),
            ...(encrypt ? { Encrypted: true, ...(o.kmsKeyId ? { KmsKeyId: o.kmsKeyId } : {}) } : {}),
          }),
          { signal: stop, requestSignal },
        ),
      idOf: (res) => res.ImageId,
      find: (s) => findImageByName(env.api, region, o.amiName, s, sent),
    })
    ui.message(`AMI: ${region}: ${copy.id}`)
    try {
      await tagTemporary(env, region, [copy.id!], signal)
      await waitForImage(env, copy, `AMI copy in ${region}`, { ui, signal })
      await tagTemporary(env, region, copy.snapshotIds, signal).catch(() => undefined)
    } catch (err) {
      if (signal.aborted) throw err
      // A failed copy is removed now; the others go on. If that fails too, cleanup tries again.
      await env.images.delete(copy, { journal, signal }).catch(() => undefined)
      throw err
    }
    return copy
  }
}
