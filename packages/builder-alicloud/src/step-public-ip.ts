import { TsimgError, type Step } from '@tsimg/core/plugin'
import { TrackedResource, waitFor, resourceData } from '@tsimg/cloud-kit'
import { findEips, releaseEip } from './ops.js'
import { Vpc } from './sdk.js'
import { PLUGIN, type AliState } from './state.js'
import { buildTags, pollLimit, type AliEnv } from './env.js'
import { createTagged } from './tagged.js'
import { PURPOSE_TAG, isVerifyMachine, type MachinePurpose } from './machine-purpose.js'

/**
 * Picks the SSH address: sshHost, or the private IP (sshPrivateIp), or the launch-time public
 * IP (associatePublicIpAddress), or else an EIP allocated (journaled, ClientToken, found by
 * the build-id tag after a lost answer) and associated with the instance. Its cleanup
 * unassociates and releases the EIP.
 */
export function publicIp(env: AliEnv, purpose: MachinePurpose = 'build'): Step<AliState> {
  const tracked = new TrackedResource()
  const verify = purpose === 'verify'
  return {
    name: 'alicloud:public-ip',
    async run({ state, ui, signal, journal }) {
      const o = env.options
      const r = env.region
      const instanceId = state.instance!.id
      let host: string | undefined
      if (o.sshHost) host = o.sshHost
      else if (o.sshPrivateIp) host = state.privateIp
      else if (o.associatePublicIpAddress) host = state.publicIp
      else {
        ui.say('Allocating eip...')
        const token = `${env.build.id}-${verify ? 'verify-eip' : 'eip'}`
        const allocationId = await tracked.create(
          { journal, signal },
          {
            plugin: PLUGIN,
            kind: 'eip',
            token,
            description: `${verify ? 'verify machine ' : ''}EIP of build ${env.build.id} (${r})`,
            data: resourceData(env),
            create: (requestSignal, stop) =>
              createTagged(
                env,
                ui,
                {
                  action: 'AllocateEipAddress',
                  target: { product: 'vpc', type: 'EIP' },
                  signal: stop,
                  send: (withTags, budget) =>
                    env.api.vpc(
                      'AllocateEipAddress',
                      r,
                      (c) =>
                        c.allocateEipAddress(
                          new Vpc.AllocateEipAddressRequest({
                            regionId: r,
                            internetChargeType: o.internetChargeType,
                            bandwidth: String(o.internetMaxBandwidthOut ?? 5),
                            clientToken: token,
                            ...(withTags && { tag: buildTags(Vpc.AllocateEipAddressRequestTag, env.build, verify ? { [PURPOSE_TAG]: 'verify' } : {}) }),
                          }),
                        ),
                      { signal: stop, requestSignal, ...(budget && { budget }) },
                    ),
                },
                (res) => res.body?.allocationId,
              ),
            idOf: (res) => res.body?.allocationId,
            find: async (s) => (await findEips(env.api, r, env.build.id, s)).find((e) => isVerifyMachine(e.tags) === verify)?.allocationId,
          },
        )
        await env.api.vpc(
          'AssociateEipAddress',
          r,
          (c) => c.associateEipAddress(new Vpc.AssociateEipAddressRequest({ regionId: r, allocationId, instanceId })),
          {
            signal,
            retry: ['conflict', 'not-found'],
            budget: { attempts: 8 },
          },
        )
        host = await waitFor({
          resource: `EIP ${allocationId}`,
          until: 'to be associated',
          ui,
          signal,
          ...pollLimit(env, 5 * 60_000),
          probe: async (s) => {
            const eip = (
              await env.api.vpc('DescribeEipAddresses', r, (c) => c.describeEipAddresses(new Vpc.DescribeEipAddressesRequest({ regionId: r, allocationId })), {
                signal: s,
              })
            ).body?.eipAddresses?.eipAddress?.[0]
            return eip?.status === 'InUse' && eip.ipAddress
              ? { done: true, value: eip.ipAddress }
              : { done: false, ...(eip?.status ? { state: eip.status } : {}) }
          },
        })
        ui.message(`Allocated eip: ${host}`)
      }
      if (!host) {
        throw new TsimgError('ALICLOUD_NO_ADDRESS', `Instance ${instanceId} has no ${o.sshPrivateIp ? 'private' : 'public'} address to connect to`, {
          hint: o.associatePublicIpAddress ? 'Set internetMaxBandwidthOut above 0.' : 'Set sshHost, or use the default EIP.',
        })
      }
      state.sshHost = host
      state.generated.Host = host
    },
    async cleanup({ ui, signal, journal }) {
      if (!tracked.started) return
      ui.say("Cleaning up 'EIP'")
      await tracked.remove({ journal, signal }, (id, s) => releaseEip(env.api, env.region, id, s))
    },
  }
}
