import { randomUUID } from 'node:crypto'
import { createServer, type Server, type ServerResponse } from 'node:http'
import { BackendError, CloudError, RawAnswer } from '../backend/errors.js'
import { toEc2Error } from './errors.js'
import { listen, readBody } from '../http.js'
import type { Cloud } from '../backend/cloud.js'
import { ACTIONS } from './actions/index.js'
import { parseQuery, Reader } from './query.js'
import { verifySigV4, type Credentials } from './sigv4.js'
import type { CallRecord, ControlHandler } from '../front-end.js'
import { errorResponse, response } from './xml.js'

/** The name faults (`cloud: 'aws'`), profiles and `--cloud` know this front end by. */
export const EC2_FRONT_END = 'aws'

export interface Ec2ServerOptions {
  readonly cloud: Cloud
  readonly credentials: readonly Credentials[]
  readonly host: string
  readonly port: number
  readonly control?: ControlHandler
  /** Called for each API call, e.g. to log it. */
  readonly onCall?: (call: CallRecord) => void
}

function send(res: ServerResponse, status: number, xml: string, requestId: string): void {
  res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(xml) })
  res.end(xml)
}

/** The query as faults match it: decoded `name=value` pairs, one per line. */
function requestText(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      try {
        return decodeURIComponent(pair.replace(/\+/g, ' '))
      } catch {
        return pair
      }
    })
    .join('\n')
}

/**
 * The EC2 Query API over node:http: verify SigV4, read Action, inject faults, run the
 * handler against the cloud for the region in the credential scope, answer XML.
 */
/** Actions whose input has no DryRun member in EC2's model (checked by test/ec2-model.test.ts). */
const NO_DRY_RUN = new Set(['ModifySubnetAttribute'])

export async function startEc2Server(opts: Ec2ServerOptions): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req, res) => {
    void (async () => {
      const requestId = randomUUID()
      const body = await readBody(req)
      if (req.url?.startsWith('/_emulator/') && opts.control && (await opts.control(req, res, body))) return
      let action = ''
      let region = ''
      try {
        if (req.method !== 'POST' && req.method !== 'GET') throw new CloudError('InvalidAction', `Unsupported method ${req.method}`)
        const query = req.method === 'GET' ? ((req.url ?? '').split('?')[1] ?? '') : body
        const params = parseQuery(query)
        const scope = await verifySigV4({ method: req.method, path: req.url ?? '/', headers: req.headers, body }, opts.credentials)
        region = scope.region
        const r = new Reader(params)
        action = r.str('Action') ?? ''
        const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined
        if (!handler) throw new CloudError('InvalidAction', `The action ${action || '(none)'} is not valid for this web service.`)
        opts.cloud.region(region, EC2_FRONT_END)
        if (scope.credentials.deniedActions?.includes(action))
          throw new CloudError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403)
        if (!NO_DRY_RUN.has(action) && r.bool('DryRun')) throw new CloudError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412)
        const result = await opts.cloud.act(EC2_FRONT_END, action, () => handler({ cloud: opts.cloud, region, requestId }, r), requestText(query))
        send(res, 200, response(action, requestId, result), requestId)
        opts.onCall?.({ cloud: EC2_FRONT_END, action, region, status: 200 })
      } catch (error) {
        if (error instanceof RawAnswer) {
          res.writeHead(error.status, { 'content-type': error.contentType, 'content-length': Buffer.byteLength(error.body) })
          res.end(error.body)
          opts.onCall?.({ cloud: EC2_FRONT_END, action, region, status: error.status })
          return
        }
        const e = toEc2Error(error)
        if (!(error instanceof CloudError) && !(error instanceof BackendError))
          process.stderr.write(`tsimg-cloud-emulator: ${action} failed: ${(error as Error).stack ?? String(error)}\n`)
        send(res, e.status, errorResponse(e.code, e.message, requestId), requestId)
        opts.onCall?.({ cloud: EC2_FRONT_END, action, region, status: e.status, code: e.code })
      }
    })().catch((error: unknown) => {
      res.destroy(error as Error)
    })
  })
  const port = await listen(server, opts.host, opts.port)
  return { server, endpoint: `http://${opts.host}:${port}` }
}
