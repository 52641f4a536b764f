import { randomUUID } from 'node:crypto'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { Cloud } from '../backend/cloud.js'
import { BackendError, CloudError } from '../backend/errors.js'
import { listen, readBody } from '../http.js'
import type { CallRecord, ControlHandler, Credentials } from '../front-end.js'
import { HuaweiError, toHuaweiError } from './errors.js'
import { HUAWEI, projectById } from './projects.js'
import { isAnswer, Router, SERVICES, type Route } from './routes.js'
import { verifySignature } from './signature.js'

export interface HuaweiServerOptions {
  readonly cloud: Cloud
  readonly credentials: readonly Credentials[]
  readonly routes: readonly Route[]
  readonly host: string
  readonly port: number
  readonly control?: ControlHandler
  readonly onCall?: (call: CallRecord) => void
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = body === undefined ? '' : JSON.stringify(body)
  const headers: Record<string, string | number> = { 'x-request-id': requestId, 'content-length': Buffer.byteLength(text) }
  if (text) headers['content-type'] = 'application/json;charset=UTF-8'
  res.writeHead(status, headers)
  res.end(text)
}

function parseJson(text: string, format: HuaweiError['format'], code: string): Record<string, any> {
  if (!text.trim()) return {}
  try {
    const value = JSON.parse(text) as unknown
    return typeof value === 'object' && value !== null ? (value as Record<string, any>) : {}
  } catch {
    throw new HuaweiError(format, code, 'The request body is not valid JSON.', 400)
  }
}

/**
 * Huawei Cloud's REST APIs (IAM, ECS, VPC, EIP, IMS) on one port, as API Gateway fronts
 * them: find the route (APIGW.0101 if none), verify SDK-HMAC-SHA256 (APIGW.0301), resolve
 * the project to a region, inject faults (throttling is APIGW.0308 with 429), run the
 * handler, and answer JSON with an `x-request-id` header, errors in the service's format.
 */
export async function startHuaweiServer(opts: HuaweiServerOptions): Promise<{ server: Server; endpoint: string }> {
  const router = new Router(opts.routes)
  const server = createServer((req, res) => {
    void (async () => {
      const requestId = randomUUID().replace(/-/g, '')
      const body = await readBody(req)
      if (req.url?.startsWith('/_emulator/') && opts.control && (await opts.control(req, res, body))) return
      const url = req.url ?? '/'
      const [rawPath = '/', rawQuery = ''] = url.split(/\?(.*)/s)
      const found = router.match(req.method ?? 'GET', rawPath)
      const service = SERVICES[found?.route.service ?? 'ecs']
      let region = ''
      const action = found?.route.action ?? ''
      try {
        if (!found) throw HuaweiError.apigw('APIGW.0101', `The API does not exist or has not been published in the environment: ${req.method} ${rawPath}`, 404)
        const signer = verifySignature({ method: req.method ?? 'GET', url, headers: req.headers, body }, opts.credentials)
        const { route, params } = found
        if (signer.deniedActions?.includes(action)) throw HuaweiError.apigw('APIGW.0302', `The IAM user is not authorized to perform ${action}`, 403)
        let projectId = ''
        if (route.service !== 'iam') {
          const header = req.headers['x-project-id']
          projectId = params.project_id ?? (typeof header === 'string' ? header : '')
          if (params.project_id && typeof header === 'string' && header !== params.project_id)
            throw HuaweiError.apigw('APIGW.0301', 'Incorrect IAM authentication information: X-Project-Id does not match the project in the path', 401)
          const project = projectById(opts.cloud, projectId)
          if (!project) throw HuaweiError.apigw('APIGW.0301', `Incorrect IAM authentication information: unknown project id '${projectId}'`, 401)
          region = project.region
        }
        const parsed = parseJson(body, service.format, service.codes['invalid-parameter'] ?? '400')
        const result = await opts.cloud.act(
          HUAWEI,
          action,
          () =>
            route.handler(
              { cloud: opts.cloud, region, projectId, requestId },
              { params, query: new URLSearchParams(rawQuery), body: parsed, headers: req.headers },
              // As faults match it (Fault.request): the method and path, then the body.
            ),
          `${req.method ?? 'GET'} ${rawPath}\n${body}`,
        )
        const status = isAnswer(result) ? result.status : 200
        send(res, status, isAnswer(result) ? result.body : result, requestId)
        opts.onCall?.({ cloud: HUAWEI, action, region, status })
      } catch (error) {
        const e = toHuaweiError(error, service.format, service.codes)
        if (!(error instanceof HuaweiError) && !(error instanceof CloudError) && !(error instanceof BackendError))
          process.stderr.write(`tsimg-cloud-emulator: ${action} failed: ${(error as Error).stack ?? String(error)}\n`)
        send(res, e.status, e.body(requestId), requestId)
        opts.onCall?.({ cloud: HUAWEI, action, region, status: e.status, code: e.code })
      }
    })().catch((error: unknown) => {
      res.destroy(error as Error)
    })
  })
  const port = await listen(server, opts.host, opts.port)
  return { server, endpoint: `http://${opts.host}:${port}` }
}
