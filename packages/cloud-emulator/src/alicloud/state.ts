import type { Cloud } from '../backend/cloud.js'
import { aliError } from './errors.js'

/**
 * What the Alibaba front end keeps beside the shared backend: Alibaba-only records (EIPs,
 * image families, share lists by Alibaba account id) and the small timing rules Alibaba
 * shows and EC2 does not (a VPC or vSwitch stays "in use" for a while after its last
 * instance is gone).
 */
export class AliState {
  /** EIP id -> what Alibaba shows of it beyond the backend's public IP. */
  readonly eipInfo = new Map<string, { bandwidth: string; internetChargeType: string }>()
  /** EIP id -> when it was last associated or unassociated (the status settles after a moment). */
  readonly eipChanged = new Map<string, number>()
  /** What Alibaba knows of an instance and the EC2-shaped backend does not. */
  readonly instances = new Map<string, InstanceExtra>()
  /** Image id -> family name (set by CreateImage ImageFamily, or the catalog). */
  readonly families = new Map<string, string>()
  /** Image id -> Alibaba accounts it is shared with. */
  readonly shares = new Map<string, Set<string>>()
  /**
   * System images are named by their ImageId ('centos_7_06_64_20G_alibase_20190711.vhd') in
   * every region; the backend numbers each region's copy. Backend id -> public id, and back.
   */
  readonly publicIds = new Map<string, string>()
  private readonly backendIds = new Map<string, string>()
  /** Network resource id -> when its last instance was deleted. */
  private readonly released = new Map<string, number>()
  /** How long a network resource still counts an instance after DeleteInstance (ms): the backend's `delays.dependencyHold`. */
  get dependencyHoldMs(): number {
    return this.cloud.delays.dependencyHold
  }
  set dependencyHoldMs(ms: number) {
    this.cloud.setDelays({ dependencyHold: ms })
  }
  /** `<action>/<ClientToken>` -> the id that create made. */
  private readonly tokens = new Map<string, string>()

  constructor(readonly cloud: Cloud) {}

  registerSystemImage(backendId: string, region: string, publicId: string): void {
    this.publicIds.set(backendId, publicId)
    this.backendIds.set(`${region}/${publicId}`, backendId)
  }

  /** The id a client sees for an image. */
  imageId(backendId: string): string {
    return this.publicIds.get(backendId) ?? backendId
  }

  /** The backend id of an image a client names, in a region. */
  backendImageId(region: string, id: string): string {
    return this.backendIds.get(`${region}/${id}`) ?? id
  }

  /**
   * ClientToken idempotence, as Alibaba keeps it for its creates: a create retried with the same
   * token answers what the first attempt made (while that still exists) instead of a second one.
   */
  idempotent(action: string, token: string | undefined, alive: (id: string) => boolean, create: () => string): string {
    const key = `${action}/${token}`
    const earlier = token ? this.tokens.get(key) : undefined
    if (earlier && alive(earlier)) return earlier
    const id = create()
    if (token) this.tokens.set(key, id)
    return id
  }

  /** Remembers when an instance left its vSwitch, VPC and security groups. */
  instanceGone(ids: readonly string[]): void {
    const now = Date.now()
    for (const id of ids) this.released.set(id, now)
  }

  /** Throws Alibaba's dependency error while a resource's last instance is still being released. */
  checkReleased(id: string, code: string, message: string): void {
    const at = this.released.get(id)
    if (at !== undefined && Date.now() - at < this.dependencyHoldMs) throw aliError(code, message, 403)
  }
}

export interface InstanceExtra {
  readonly name: string
  readonly hostName: string
  readonly internetMaxBandwidthOut: number
  /** Made by CreateInstance: stops by itself once booted, and never ran a user command. */
  stopWhenBooted: boolean
  everStarted: boolean
}
