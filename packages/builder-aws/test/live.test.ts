// The same end-to-end build against real AWS: runs only with credentials and TSIMG_AWS_LIVE=1.
import { afterAll, describe, expect, it } from 'vitest'
import { tsimgResources } from '@tsimg/builder-aws'
import { shell } from '@tsimg/provisioner-shell'
import { journalFiles, markerProvisioner, removeDir, runBuild, tempStateDir } from './support.js'

const live = Boolean(process.env.AWS_ACCESS_KEY_ID) && process.env.TSIMG_AWS_LIVE === '1'
const region = process.env.AWS_REGION ?? 'us-east-1'

describe.skipIf(!live)('amazon-ebs against real AWS (TSIMG_AWS_LIVE=1)', () => {
  const made: string[] = []
  let stateDir = ''
  afterAll(async () => {
    const signal = AbortSignal.timeout(600_000)
    for (const id of made) await tsimgResources.deleteResource('image', { region, id }, { signal, log: () => undefined })
    if (stateDir) await removeDir(stateDir)
  })

  it('builds an AMI holding the provisioned files, and tears everything else down', async () => {
    stateDir = await tempStateDir()
    const base = {
      region,
      instanceType: process.env.TSIMG_AWS_INSTANCE_TYPE ?? 't3.micro',
      sshUsername: 'admin',
      amiName: `tsimg-live-${Date.now()}`,
      ...(process.env.TSIMG_AWS_SUBNET_ID ? { subnetId: process.env.TSIMG_AWS_SUBNET_ID, associatePublicIpAddress: true } : {}),
      ...(process.env.TSIMG_AWS_SSH_CIDR ? { temporarySecurityGroupSourceCidrs: [process.env.TSIMG_AWS_SSH_CIDR] } : {}),
    }
    const first = await runBuild(
      { ...base, sourceAmiFilter: { filters: { name: 'debian-12-amd64-*', architecture: 'x86_64' }, owners: ['136693071363'], mostRecent: true } },
      { stateDir, provisioners: [markerProvisioner()] },
    )
    expect(first.summary.error?.message).toBeUndefined()
    const ami = first.summary.artifacts[0]!.id.split(':')[1]!
    made.push(ami)
    const second = await runBuild({ ...base, sourceAmi: ami, skipCreateAmi: true }, { stateDir, provisioners: [shell({ inline: ['cat /etc/tsimg-marker'] })] })
    expect(second.summary.error?.message).toBeUndefined()
    expect(second.lines.join('\n')).toContain('made by tsimg')
    expect(await journalFiles(stateDir)).toEqual([])
  }, 1_800_000)
})
