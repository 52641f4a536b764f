import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import {
  DeleteKeyPairCommand,
  DeleteVolumeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type Filter,
  type Tag,
} from '@aws-sdk/client-ec2'
import { BUILD_ID_LABEL, CREATED_AT_LABEL, KEPT_LABEL } from '@tsimg/core/plugin'
import { cloudResources, ignoreNotFound, type CloudConnection, type CloudScope, type CredentialsReport, type TaggedResource } from '@tsimg/cloud-kit'
import { deleteImageAndSnapshots, deleteSnapshot, findImageByName } from './ami.js'
import { Ec2Api } from './ec2.js'
import { PLUGIN } from './state.js'
import { findKeyPair } from './key-pairs.js'
import { findBuildInstance, terminateInstance } from './instances.js'
import { deleteSecurityGroup, findSecurityGroup } from './security-groups.js'

/** Build-id tag filter: these builds, or every tsimg build (tag-key) for `tsimg cleanup --sweep`. */
function byTag(buildIds: readonly string[] | undefined): Filter[] {
  return buildIds ? [{ Name: `tag:${BUILD_ID_LABEL}`, Values: [...buildIds] }] : [{ Name: 'tag-key', Values: [BUILD_ID_LABEL] }]
}

function tagged(id: string, label: string, tags: Tag[] | undefined, apiTime?: Date | string): TaggedResource {
  const t = new Map((tags ?? []).map((x) => [x.Key, x.Value]))
  const created = t.get(CREATED_AT_LABEL) ?? (apiTime instanceof Date ? apiTime.toISOString() : apiTime)
  const buildId = t.get(BUILD_ID_LABEL)
  return { id, label, ...(buildId && { buildId }), ...(created && { createdAt: created }), kept: t.has(KEPT_LABEL) }
}

/** amazon-ebs's resources for `tsimg cleanup`, in deletion order (instances free groups and key pairs). */
function connect(scope: CloudScope): CloudConnection {
  // Credentials come from the environment / default chain, never from the journal; the profile
  // the build used is taken only when the environment names no credentials of its own.
  const envHasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE)
  const profile = scope.profile && !envHasCredentials ? scope.profile : undefined
  const api = new Ec2Api({ ...(scope.endpoint && { endpoint: scope.endpoint }), ...(profile && { profile }) })
  const { region } = scope
  const send = api.send.bind(api)
  return {
    account: (signal) => api.account(region, signal),
    close: () => api.destroy(),
    kinds: [
      {
        kind: 'instance',
        async list(ids, signal) {
          const res = await send(region, new DescribeInstancesCommand({ Filters: byTag(ids) }), { signal })
          return (res.Reservations ?? [])
            .flatMap((r) => r.Instances ?? [])
            .filter((i) => i.InstanceId && i.State?.Name !== 'terminated')
            .map((i) => tagged(i.InstanceId!, `instance ${i.InstanceId}`, i.Tags, i.LaunchTime))
        },
        delete: (id, signal) => terminateInstance(api, id, region, signal),
        find: (token, signal, data) =>
          typeof data?.buildId === 'string'
            ? findBuildInstance(api, region, data.buildId, signal, typeof token === 'string' && token.endsWith('-verify'))
            : Promise.resolve(undefined),
      },
      {
        kind: 'image',
        async list(ids, signal) {
          const res = await send(region, new DescribeImagesCommand({ Owners: ['self'], Filters: byTag(ids) }), { signal })
          return (res.Images ?? []).filter((i) => i.ImageId).map((i) => tagged(i.ImageId!, `AMI ${i.ImageId} ${i.Name ?? ''}`.trim(), i.Tags, i.CreationDate))
        },
        delete: async (id, signal) => void (await deleteImageAndSnapshots(api, region, id, signal)),
        find: (_token, signal, data) =>
          typeof data?.name === 'string'
            ? findImageByName(api, region, data.name, signal, typeof data.sentAt === 'string' ? new Date(data.sentAt) : undefined)
            : Promise.resolve(undefined),
      },
      {
        kind: 'snapshot',
        async list(ids, signal) {
          const res = await send(region, new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: byTag(ids) }), { signal })
          return (res.Snapshots ?? []).filter((s) => s.SnapshotId).map((s) => tagged(s.SnapshotId!, `snapshot ${s.SnapshotId}`, s.Tags, s.StartTime))
        },
        delete: (id, signal) => deleteSnapshot(api, region, id, signal),
      },
      {
        kind: 'volume',
        async list(ids, signal) {
          const res = await send(region, new DescribeVolumesCommand({ Filters: [...byTag(ids), { Name: 'status', Values: ['available'] }] }), { signal })
          return (res.Volumes ?? []).filter((v) => v.VolumeId).map((v) => tagged(v.VolumeId!, `volume ${v.VolumeId}`, v.Tags, v.CreateTime))
        },
        delete: (id, signal) => ignoreNotFound(send(region, new DeleteVolumeCommand({ VolumeId: id }), { signal, retry: ['conflict'] })),
      },
      {
        kind: 'security-group',
        async list(ids, signal) {
          const res = await send(region, new DescribeSecurityGroupsCommand({ Filters: byTag(ids) }), { signal })
          return (res.SecurityGroups ?? [])
            .filter((g) => g.GroupId)
            .map((g) => tagged(g.GroupId!, `security group ${g.GroupId} ${g.GroupName ?? ''}`.trim(), g.Tags))
        },
        delete: (id, signal) => deleteSecurityGroup(api, id, region, signal),
        find: (token, signal, data) => findSecurityGroup(api, region, token, typeof data?.vpcId === 'string' ? data.vpcId : undefined, signal),
      },
      {
        kind: 'key-pair',
        async list(ids, signal) {
          const res = await send(region, new DescribeKeyPairsCommand({ Filters: byTag(ids) }), { signal })
          return (res.KeyPairs ?? []).filter((k) => k.KeyName).map((k) => tagged(k.KeyName!, `key pair ${k.KeyName}`, k.Tags, k.CreateTime))
        },
        delete: (name, signal) => ignoreNotFound(send(region, new DeleteKeyPairCommand({ KeyName: name }), { signal })),
        find: (token, signal) => findKeyPair(api, region, token, signal),
      },
    ],
  }
}

/**
 * How `tsimg cleanup` deletes what a killed amazon-ebs build left: by journal entry (pending
 * creates looked up by name or build id), by the build-id tag within each recorded region, and
 * everything tsimg tagged with `tsimg cleanup --sweep`; only in the account the build used.
 */
/**
 * Resolves the SDK's default credential chain as cleanup's calls would (environment, the
 * profile, web identity, container and instance credentials) and, when it finds none, says
 * what each place held: never a value.
 */
async function credentials(scope: CloudScope): Promise<CredentialsReport> {
  const env = process.env
  const envHasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE)
  const profile = env.AWS_PROFILE ?? (scope.profile && !envHasCredentials ? scope.profile : undefined)
  const api = new Ec2Api({ ...(scope.endpoint && { endpoint: scope.endpoint }), ...(profile && { profile }) })
  try {
    await api.client(scope.region).config.credentials()
    return { usable: true, read: [], hint: '' }
  } catch {
    // Below: what the chain read, each place with what it held.
  } finally {
    api.destroy()
  }
  const set = (name: string) => (env[name] ? 'set' : 'not set')
  const name = profile ?? 'default'
  const why = env.AWS_PROFILE ? 'AWS_PROFILE' : profile ? "the build's profile" : 'no AWS_PROFILE: the default'
  const files = [env.AWS_SHARED_CREDENTIALS_FILE ?? join(homedir(), '.aws', 'credentials'), env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config')]
  const inFiles = await Promise.all(files.map(async (f) => `${f}: ${await profileIn(f, name)}`))
  return {
    usable: false,
    read: [
      `AWS_ACCESS_KEY_ID: ${set('AWS_ACCESS_KEY_ID')}, AWS_SECRET_ACCESS_KEY: ${set('AWS_SECRET_ACCESS_KEY')}`,
      `profile '${name}' (${why}) in ${inFiles.join(', ')}`,
      `AWS_WEB_IDENTITY_TOKEN_FILE: ${set('AWS_WEB_IDENTITY_TOKEN_FILE')}`,
      `container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI): ${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI ? 'set' : 'not set'}`,
      `EC2 instance metadata: ${env.AWS_EC2_METADATA_DISABLED === 'true' ? 'disabled (AWS_EC2_METADATA_DISABLED)' : 'no instance role answered'}`,
    ],
    hint: "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys), or AWS_PROFILE to a profile of the build's account; then run tsimg cleanup again.",
  }
}

/** Whether a shared config/credentials file has the profile: `no such file`, `no [name] section`, `has [name]`. */
async function profileIn(file: string, name: string): Promise<string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return 'no such file'
  }
  const sections = [...text.matchAll(/^\s*\[\s*(?:profile\s+)?([^\]\s]+)\s*\]/gm)].map((m) => m[1])
  return sections.includes(name) ? `has [${name}] (without usable keys)` : `no [${name}] section`
}

export const tsimgResources = cloudResources({ id: PLUGIN, cloud: 'AWS', connect, credentials })
