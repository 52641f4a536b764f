import type { CatalogEntry } from './seed.js'
/** Records the cloud keeps. Cloud-agnostic: each front end renders them in its own shapes. */

export type Tags = Map<string, string>

export interface Region {
  readonly name: string
  readonly zones: readonly string[]
  /** The profile (cloud) the region belongs to: 'aws', 'alicloud', 'huaweicloud'. */
  readonly cloud: string
}

export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated'
export type ImageState = 'pending' | 'available' | 'failed'
export type SnapshotState = 'pending' | 'completed' | 'error'
export type VolumeState = 'creating' | 'available' | 'in-use' | 'deleting' | 'deleted'

/**
 * How long each state change takes, in ms; 'stuck' never completes (until changed); 'fail'
 * ends it in failure (instance terminated with Server.InternalError, image 'failed',
 * snapshot 'error', a stop back to running).
 */
export type Delay = number | 'stuck' | 'fail'
export interface Delays {
  instanceRunning: Delay
  instanceStopped: Delay
  instanceTerminated: Delay
  imageAvailable: Delay
  snapshotCompleted: Delay
  /** A job's wait in 'pending' before it runs ('fail': the job fails instead of running). */
  jobStarted: Delay
  /**
   * How long a network resource (VPC, vSwitch, security group) still counts an instance after
   * the instance was deleted, as Alibaba's DependencyViolation "still has instances being
   * released" shows.
   */
  dependencyHold: number
}

/** The state changes a Transition times (jobs and dependency holds have their own clocks). */
export type DelayKind = Exclude<keyof Delays, 'jobStarted' | 'dependencyHold'>

export const DEFAULT_DELAYS: Delays = {
  instanceRunning: 500,
  instanceStopped: 400,
  instanceTerminated: 400,
  imageAvailable: 1000,
  snapshotCompleted: 800,
  jobStarted: 200,
  dependencyHold: 3000,
}

/** A state change under way: applied once the real work is done and the delay has passed. */
export interface Transition<S> {
  readonly to: S
  readonly kind: DelayKind
  readonly since: number
  workDone: boolean
  /** Set when the work failed; the resource moves to this state instead. */
  failTo?: S
  failReason?: string
}

interface Tagged {
  readonly id: string
  readonly region: string
  readonly tags: Tags
}

export interface Vpc extends Tagged {
  readonly cidrBlock: string
  readonly isDefault: boolean
}

export interface Subnet extends Tagged {
  readonly vpcId: string
  readonly zone: string
  readonly cidrBlock: string
  readonly defaultForAz: boolean
  readonly mapPublicIpOnLaunch: boolean
}

export interface IpPermission {
  readonly protocol: string
  readonly fromPort?: number
  readonly toPort?: number
  readonly cidrs: readonly string[]
  readonly groupIds: readonly string[]
}

export interface SecurityGroup extends Tagged {
  readonly name: string
  readonly description: string
  readonly vpcId: string
  readonly isDefault: boolean
  readonly ingress: IpPermission[]
  readonly egress: IpPermission[]
}

export interface KeyPair extends Tagged {
  readonly name: string
  readonly type: 'rsa' | 'ed25519'
  readonly fingerprint: string
  /** OpenSSH public key line. */
  readonly publicKey: string
  readonly created: Date
}

export interface ImageDevice {
  readonly deviceName: string
  readonly snapshotId?: string
  readonly volumeSize: number
  readonly volumeType: string
  readonly deleteOnTermination: boolean
  readonly encrypted: boolean
}

export interface Image extends Tagged {
  readonly name: string
  readonly description?: string
  readonly ownerId: string
  state: ImageState
  stateReason?: string
  transition?: Transition<ImageState>
  /** Local docker image this AMI boots. */
  readonly dockerRef: string
  /** True when the emulator made the docker tag and must remove it. */
  readonly ownsDockerRef: boolean
  /** Made from a paper machine: no docker image behind it, and what launches from it runs on paper. */
  readonly paper?: boolean
  readonly rootDeviceName: string
  readonly devices: ImageDevice[]
  readonly created: Date
  readonly architecture: string
  isPublic: boolean
  readonly launchUsers: Set<string>
  readonly launchGroups: Set<string>
  /** User cloud-init configures as the default login user. */
  readonly loginUser: string
  readonly seed: boolean
  /** The catalog entry a seed image was registered from (owner alias, family, OS name). */
  readonly catalog?: CatalogEntry
  readonly sourceInstanceId?: string
  readonly sourceImageId?: string
  readonly sourceRegion?: string
  readonly clientToken?: string
}

export interface Snapshot extends Tagged {
  readonly ownerId: string
  readonly volumeId?: string
  readonly volumeSize: number
  readonly description: string
  readonly started: Date
  state: SnapshotState
  transition?: Transition<SnapshotState>
  readonly encrypted: boolean
  readonly kmsKeyId?: string
  readonly createVolumeUsers: Set<string>
  readonly createVolumeGroups: Set<string>
  readonly seed: boolean
}

export interface Volume extends Tagged {
  readonly zone: string
  readonly size: number
  readonly volumeType: string
  readonly snapshotId?: string
  readonly encrypted: boolean
  readonly created: Date
  state: VolumeState
  attachment?: { instanceId: string; device: string; deleteOnTermination: boolean; attached: Date }
}

export interface InstanceDevice {
  readonly deviceName: string
  readonly volumeId: string
  readonly deleteOnTermination: boolean
}

export interface Instance extends Tagged {
  readonly reservationId: string
  readonly launchIndex: number
  readonly imageId: string
  readonly instanceType: string
  /** The key pair the instance shows; AttachKeyPair changes it (in effect from the next start). */
  keyName?: string
  /**
   * A public key attached since the last start (null: detached), authorized at the next
   * start, as Alibaba's AttachKeyPair and Huawei's key-pair binding behave.
   */
  pendingKey?: string | null
  readonly securityGroupIds: string[]
  readonly subnetId: string
  readonly vpcId: string
  readonly zone: string
  state: InstanceState
  stateReason?: { code: string; message: string }
  transitionReason: string
  transition?: Transition<InstanceState>
  readonly launched: Date
  /** Loopback address whose port 22 is the container's sshd. */
  readonly address: string
  readonly hasPublicIp: boolean
  readonly containerName: string
  /** No container: the machine exists on paper only (see paper.ts); fixed at launch. */
  readonly paper?: boolean
  /** The public key first boot authorized (the key pair's at launch, a pending key from the next start). */
  authorizedKey?: string
  readonly rootDeviceName: string
  readonly devices: InstanceDevice[]
  readonly userData?: Buffer
  readonly loginUser: string
  readonly metadataOptions: { httpTokens: string; httpEndpoint: string; hopLimit: number; instanceMetadataTags: string }
  readonly iamInstanceProfile?: { arn?: string; name?: string }
  readonly shutdownBehavior: 'stop' | 'terminate'
  readonly clientToken?: string
  disableApiTermination: boolean
  enaSupport: boolean
  sriovNetSupport?: string
}

/** One live resource, as the ledger reports it. */
export interface LedgerEntry {
  readonly type: 'instance' | 'security-group' | 'key-pair' | 'image' | 'snapshot' | 'volume' | 'vpc' | 'subnet' | 'public-ip'
  readonly id: string
  readonly region: string
  readonly name?: string
  readonly state?: string
  readonly tags: Record<string, string>
  /** Part of the starting catalog, not created by a client. */
  readonly seed: boolean
}

/**
 * A public (elastic) IP. Its address is a loopback address of its own whose port 22 forwards
 * to the associated instance's sshd, so a client that connects to the public address the
 * API reports reaches the instance.
 */
export interface PublicIp extends Tagged {
  readonly address: string
  instanceId?: string
  readonly allocated: Date
}

export type JobState = 'pending' | 'running' | 'success' | 'fail'

/** What a job's watcher reports while the job runs. */
export type JobProgress =
  | { readonly state: 'running' }
  | { readonly state: 'success'; readonly entities?: Readonly<Record<string, string>> }
  | { readonly state: 'fail'; readonly code?: string; readonly message: string }

/**
 * An asynchronous job (Huawei's ECS and IMS jobs): pending for `delays.jobStarted`, then
 * running until its watcher reports success or fail.
 */
export interface Job {
  readonly id: string
  readonly region: string
  /** What the job does, in the front end's words ('createServers', 'createImage'). */
  readonly type: string
  state: JobState
  readonly created: Date
  started?: Date
  ended?: Date
  /** Ids the job concerns or produced (server_id, image_id ...). */
  entities: Record<string, string>
  error?: { readonly code?: string; readonly message: string }
  readonly watch: () => JobProgress
  readonly since: number
}
