import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { BackendError, CloudError } from '../backend/errors.js'
import { aliError, errorBody, toAlibaba } from './errors.js'
import { Params } from './params.js'
import { readCall } from './request.js'
import { listen, readBodyBytes } from '../http.js'
import { NonceCache, type AliCredentials } from './signature.js'

/** Alibaba products this front end serves, by the API version that names them on the wire. */
export const PRODUCTS = { '2014-05-26': 'Ecs', '2016-04-28': 'Vpc', '2015-04-01': 'Sts' } as const
export type Product = (typeof PRODUCTS)[keyof typeof PRODUCTS]

export interface ActionContext {
  readonly requestId: string
  readonly accessKeyId: string
  readonly product: Product
}

/** One RPC action: reads its parameters, returns the answer's fields (RequestId is added). */
export type Handler = (p: Params, ctx: ActionContext) => Promise<Record<string, unknown>> | Record<string, unknown>
export type ActionTable = { readonly [P in Product]?: Readonly<Record<string, Handler>> }

/** Runs one action with the faults injected for it (the backend's `cloud.act`). */
export type Act = <T>(action: string, fn: () => T | Promise<T>, request?: string) => Promise<T>

export interface AliCallRecord {
  readonly cloud: 'alicloud'
  readonly action: string
  readonly region: string
  readonly status: number
  readonly code?: string
  readonly product?: Product
  /** The signature scheme the call was signed with. */
  readonly scheme?: string
  /** What the client sent (`ForceStop`, `DiskDeviceMapping.1.Size`...), signature and credential fields left out: for tests. */
  readonly params?: Readonly<Record<string, string>>
}

/** Request fields that say who signed, never what was asked. */
const SIGNING = new Set(['Signature', 'SignatureNonce', 'SignatureMethod', 'SignatureVersion', 'SignatureType', 'AccessKeyId', 'SecurityToken', 'Timestamp'])
const asked = (params: ReadonlyMap<string, string>): Record<string, string> => Object.fromEntries([...params].filter(([k]) => !SIGNING.has(k)))

export interface AlicloudServerOptions {
  readonly credentials: readonly AliCredentials[]
  readonly actions: ActionTable
  readonly host?: string
  readonly port?: number
  readonly act?: Act
  /** Handles `/_emulator/*` (the control API); returns false for other paths. */
  readonly control?: (req: IncomingMessage, res: ServerResponse, body: string) => Promise<boolean>
  readonly onCall?: (call: AliCallRecord) => void
}

/**
 * Query strings carry UserData (32 KB raw, ~45 KB once base64- and URL-encoded): Node's
 * default 16 KiB header limit, which counts the request line, would answer 431.
 */
const MAX_HEADER_SIZE = 128 * 1024

function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const json = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', 'x-acs-request-id': requestId, 'content-length': Buffer.byteLength(json) })
  res.end(json)
}

/**
 * Alibaba Cloud's RPC API over node:http: verify the signature (ACS3 or HMAC-SHA1), pick
 * the product by API version, let the faults have their say, run the handler, answer JSON.
 */
export async function startAlicloudServer(opts: AlicloudServerOptions): Promise<{ server: Server; endpoint: string }> {
  const nonces = new NonceCache()
  const server = createServer({ maxHeaderSize: MAX_HEADER_SIZE }, (req, res) => {
    void handle(req, res).catch((error: unknown) => res.destroy(error as Error))
  })
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID().toUpperCase()
    const body = await readBodyBytes(req)
    if (req.url?.startsWith('/_emulator/') && opts.control && (await opts.control(req, res, body.toString('utf8')))) return
    let action = ''
    let product: Product | undefined
    let host = String(req.headers.host ?? '')
    let scheme: string | undefined
    let region = ''
    let params: Record<string, string> | undefined
    try {
      const call = readCall(req, body, opts.credentials, nonces)
      ;({ action, host, scheme } = call)
      params = asked(call.params)
      product = Object.hasOwn(PRODUCTS, call.version) ? PRODUCTS[call.version as keyof typeof PRODUCTS] : undefined
      if (!product) throw aliError('InvalidVersion', `Specified parameter Version is not valid. Version: ${call.version}`)
      const table = opts.actions[product]
      const handler = table && Object.hasOwn(table, action) ? table[action] : undefined
      if (!handler) throw aliError('InvalidAction.NotFound')
      region = call.params.get('RegionId') ?? ''
      const run = (): Promise<Record<string, unknown>> | Record<string, unknown> =>
        handler(new Params(call.params), { requestId, accessKeyId: call.accessKeyId, product: product! })
      // As faults match it (Fault.request): the call's parameters, `Name=value` one per line.
      const request = [...call.params].map(([k, v]) => `${k}=${v}`).join('\n')
      const result = opts.act ? await opts.act(action, run, request) : await run()
      send(res, 200, { RequestId: requestId, ...result }, requestId)
      opts.onCall?.({ cloud: 'alicloud', action, region, product, status: 200, scheme, ...(params && { params }) })
    } catch (error) {
      if (!(error instanceof CloudError) && !(error instanceof BackendError))
        process.stderr.write(`tsimg-cloud-emulator (alicloud): ${action} failed: ${(error as Error).stack ?? String(error)}\n`)
      const e = toAlibaba(error as Error)
      send(res, e.status, errorBody(e, requestId, host, product ?? 'Ecs'), requestId)
      opts.onCall?.({ cloud: 'alicloud', action, region, product, status: e.status, code: e.code, scheme, ...(params && { params }) })
    }
  }
  // Packer's Go SDK, behind HTTP_PROXY, first asks for a tunnel to its endpoint-lookup
  // service; refusing at once makes it fall back to the regional endpoint over plain HTTP.
  server.on('connect', (_req: IncomingMessage, socket: import('node:stream').Duplex) => {
    socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n')
  })
  const port = await listen(server, opts.host ?? '127.0.0.1', opts.port ?? 0)
  return { server, endpoint: `${opts.host ?? '127.0.0.1'}:${port}` }
}
