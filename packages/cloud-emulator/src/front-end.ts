import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Cloud } from './backend/cloud.js'
import type { CloudProfile } from './backend/profile.js'

/** Access keys a front end accepts (every front end gets the same list). */
export interface Credentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** When set, requests must carry this security token (temporary credentials). */
  readonly sessionToken?: string
  /** Actions these credentials may not call: the front end answers its "unauthorized" error. */
  readonly deniedActions?: readonly string[]
}

/** One answered API call, for logs and tests. */
export interface CallRecord {
  /** The front end's name: 'aws', 'alicloud', 'huaweicloud'. */
  readonly cloud?: string
  readonly action: string
  readonly region: string
  readonly status: number
  readonly code?: string
}

/** Handles `/_emulator/*` requests (control API); returns false for other paths. */
export type ControlHandler = (req: IncomingMessage, res: ServerResponse, body: string) => Promise<boolean>

/** What startEmulator hands each front end it starts. */
export interface FrontEndContext {
  /** The shared backend. The front end's regions are those of its profile (`cloud.region(name, frontEnd.name)`). */
  readonly cloud: Cloud
  readonly credentials: readonly Credentials[]
  readonly host: string
  /** 0: any free port. */
  readonly port: number
  /** Serve it for paths under /_emulator/ so every endpoint also answers the control API. */
  readonly control: ControlHandler
  readonly onCall?: (call: CallRecord) => void
}

export interface StartedFrontEnd {
  /** Base URL clients use, e.g. http://127.0.0.1:4566. */
  readonly endpoint: string
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

/**
 * A cloud's API in front of the shared backend. Register one in src/registry.ts (one line);
 * `startEmulator({ frontEnds: [name] })` and `tsimg-cloud-emulator --cloud name` then start it.
 */
export interface FrontEnd {
  /** 'aws', 'alicloud', 'huaweicloud'. Faults with `cloud: name` apply to it only. */
  readonly name: string
  /** Regions, id format, instance types and catalog of this cloud. */
  readonly profile: CloudProfile
  /** Port used when the caller gives none for this front end (the CLI's default). */
  readonly defaultPort: number
  start(ctx: FrontEndContext): Promise<StartedFrontEnd>
}
