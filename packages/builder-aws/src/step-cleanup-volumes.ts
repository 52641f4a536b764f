import { DeleteVolumeCommand, DescribeVolumesCommand } from '@aws-sdk/client-ec2'
import { BUILD_ID_LABEL, type Step } from '@tsimg/core/plugin'
import { apiCodeOf, isNotFound } from '@tsimg/cloud-kit'
import { type AwsState } from './state.js'
import { type AwsEnv } from './env.js'

/**
 * Runs nothing; placed before the instance so its cleanup runs after termination. Deletes the
 * volumes the source instance left behind (launchBlockDeviceMappings with
 * deleteOnTermination: false, or an AMI whose mappings keep them), found by the build-id tag
 * every launch volume carries.
 */
export function cleanupVolumes(env: AwsEnv): Step<AwsState> {
  return {
    name: 'aws:cleanup-volumes',
    async run() {},
    async cleanup({ state, ui, signal }) {
      if (!state.instance) return
      ui.say('Cleaning up any extra volumes...')
      const res = await env.api.send(
        env.region,
        new DescribeVolumesCommand({
          Filters: [
            { Name: `tag:${BUILD_ID_LABEL}`, Values: [env.build.id] },
            { Name: 'status', Values: ['available'] },
          ],
        }),
        { signal },
      )
      for (const v of res.Volumes ?? []) {
        try {
          await env.api.send(env.region, new DeleteVolumeCommand({ VolumeId: v.VolumeId! }), { signal, retry: ['conflict'] })
        } catch (err) {
          if (!isNotFound(err)) ui.error(`Error deleting volume ${v.VolumeId} (${apiCodeOf(err)}); please delete it by hand`)
        }
      }
    },
  }
}
