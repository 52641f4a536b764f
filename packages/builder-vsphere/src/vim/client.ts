import { request as httpsRequest, Agent } from 'node:https'
import { request as httpRequest, Agent as HttpAgent } from 'node:http'
import { CloudCaller, requestTimeoutMs, type ErrorClass, type ErrorFacts, type ErrorModel, type RetryBudget } from '@tsimg/cloud-kit'
import { envelope, list, moref, obj, parseBody, ref, str, type MoRef, type Parsed, type ParsedObject, type XmlObject } from './xml.js'

/** How long one ordinary SOAP request may take (WaitForUpdatesEx asks the server to answer within 60 s). */
const REQUEST_TIMEOUT_MS = 120_000

/** A SOAP fault from vCenter: the fault's type (`InvalidLogin`, `DuplicateName`) and its message. */
export class VimFault extends Error {
  constructor(
    readonly fault: string,
    message: string,
    readonly status: number | undefined,
  ) {
    super(message)
    this.name = 'VimFault'
  }
}

/** An HTTP answer that is no SOAP envelope (a proxy's 502, a wrong path). */
export class VimHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'VimHttpError'
  }
}

const NOT_FOUND = new Set(['ManagedObjectNotFound', 'NotFound', 'FileNotFound', 'InvalidInventoryPath'])
const EXISTS = new Set(['DuplicateName', 'AlreadyExists', 'FileAlreadyExists'])
const CONFLICT = new Set(['TaskInProgress', 'ResourceInUse', 'ConcurrentAccess'])
const TRANSIENT = new Set(['HostCommunication', 'HostNotReachable', 'RequestCanceled', 'SystemError'])

/** How vim25 faults map to cloud-kit's error classes (retries, adoption, not-found deletes). */
export const vimErrorModel: ErrorModel = {
  service: 'vSphere',
  facts(err: unknown): ErrorFacts {
    if (err instanceof VimFault) return { code: err.fault, ...(err.status !== undefined && { status: err.status }), message: err.message }
    if (err instanceof VimHttpError) return { code: `HTTP${err.status}`, status: err.status, message: err.message }
    const e = err as { code?: string; name?: string; message?: string }
    return { ...((e?.code ?? e?.name) && { code: e.code ?? e.name }), message: e?.message ?? String(err) }
  },
  classify(facts: ErrorFacts): ErrorClass {
    const code = facts.code ?? ''
    if (NOT_FOUND.has(code)) return 'not-found'
    if (EXISTS.has(code)) return 'exists'
    if (CONFLICT.has(code)) return 'conflict'
    if (TRANSIENT.has(code)) return 'transient'
    if (code.startsWith('HTTP') && (facts.status ?? 0) >= 500) return 'transient'
    return 'permanent'
  },
}

export interface VimConnectOptions {
  /** Packer's vcenter_server: `host` or `host:port`; the SDK is at https://<server>/sdk. */
  readonly server: string
  readonly username: string
  readonly password: string
  /** Packer's insecure_connection: the certificate is not verified. */
  readonly insecure: boolean
  readonly signal: AbortSignal
  /** Per-call retry budget (tests make it small). */
  readonly attempts?: number
  /** How long one ordinary request may wait for its answer (default 120 s). */
  readonly requestTimeoutMs?: number
}

export interface ServiceContent {
  readonly rootFolder: MoRef
  readonly propertyCollector: MoRef
  readonly viewManager: MoRef
  readonly searchIndex: MoRef
  readonly sessionManager: MoRef
  readonly customFieldsManager?: MoRef
  readonly apiVersion: string
  /** The vCenter's own id: what tells one vCenter from another. */
  readonly instanceUuid: string
}

export interface CallOpts {
  readonly signal: AbortSignal
  /** Bound of the request itself (a create's own bound); default: `signal`. */
  readonly requestSignal?: AbortSignal
  /** Error classes retried besides transient and throttled. */
  readonly retry?: ErrorClass[]
  /** This call's retry budget (`{ attempts: 1 }` for a create that must not be sent twice). */
  readonly budget?: Partial<RetryBudget>
}

/**
 * A small typed vim25 (vSphere Web Services) SOAP client: Login, the property collector
 * (RetrievePropertiesEx, WaitForUpdatesEx), SearchIndex and container views, and the VM
 * methods the builders call, each through cloud-kit's CloudCaller (one retry budget; faults
 * classified). The password is sent once, in Login, and never appears in an error.
 */
export class VimClient {
  readonly caller: CloudCaller
  readonly endpoint: string
  #cookie: string | undefined
  #content: ServiceContent | undefined
  readonly #agent: Agent | HttpAgent
  readonly #secrets: string[]
  readonly #https: boolean
  readonly #timeoutMs: number

  private constructor(
    readonly server: string,
    insecure: boolean,
    secrets: string[],
    attempts: number | undefined,
    timeoutMs = REQUEST_TIMEOUT_MS,
  ) {
    this.#timeoutMs = timeoutMs
    this.#https = !server.startsWith('http://')
    const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '')
    this.endpoint = `${this.#https ? 'https' : 'http'}://${host}/sdk`
    this.#agent = this.#https ? new Agent({ keepAlive: true, rejectUnauthorized: !insecure }) : new HttpAgent({ keepAlive: true })
    this.#secrets = secrets.filter(Boolean)
    this.caller = new CloudCaller(vimErrorModel, () => this.endpoint, attempts ? { attempts, totalMs: 60_000 } : { totalMs: 120_000 })
  }

  /** Connects and logs in. */
  static async connect(o: VimConnectOptions): Promise<VimClient> {
    const c = new VimClient(o.server, o.insecure, [o.password], o.attempts, o.requestTimeoutMs)
    try {
      await c.login(o.username, o.password, o.signal)
    } catch (err) {
      c.close()
      throw err
    }
    return c
  }

  get instanceUuid(): string {
    return this.content.instanceUuid
  }

  get content(): ServiceContent {
    if (!this.#content) throw new Error('not connected')
    return this.#content
  }

  async login(username: string, password: string, signal: AbortSignal): Promise<void> {
    const sc = obj(await this.call('RetrieveServiceContent', ref('ServiceInstance', 'ServiceInstance'), {}, { signal }))
    const about = obj(sc.about)
    const m = (k: string) => moref(sc[k])
    this.#content = {
      rootFolder: m('rootFolder')!,
      propertyCollector: m('propertyCollector')!,
      viewManager: m('viewManager')!,
      searchIndex: m('searchIndex')!,
      sessionManager: m('sessionManager')!,
      ...(m('customFieldsManager') && { customFieldsManager: m('customFieldsManager')! }),
      apiVersion: str(about.apiVersion) ?? '6.5',
      instanceUuid: str(about.instanceUuid) ?? '',
    }
    await this.call('Login', this.content.sessionManager, { userName: username, password }, { signal })
  }

  /** Logs out (best effort) and closes the sockets. */
  async logout(): Promise<void> {
    if (this.#cookie && this.#content) {
      await this.call('Logout', this.content.sessionManager, {}, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined)
    }
    this.close()
  }

  close(): void {
    this.#agent.destroy()
  }

  /**
   * A request to vCenter's HTTP file interface with this session (datastore files at
   * `/folder/<path>?dcPath=..&dsName=..`): PUT uploads `body`, GET downloads. Resolves with the
   * status and the answer's bytes; a 4xx/5xx answer is a VimHttpError.
   */
  httpFile(
    method: 'GET' | 'PUT',
    path: string,
    query: Readonly<Record<string, string>>,
    body: Buffer | undefined,
    signal: AbortSignal,
  ): Promise<{ status: number; body: Buffer }> {
    const url = new URL(this.endpoint)
    url.pathname = path
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
    const request = this.#https ? httpsRequest : httpRequest
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.#agent,
          signal,
          headers: {
            ...(body && { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }),
            ...(this.#cookie && { Cookie: this.#cookie }),
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', (e) => reject(this.#clean(e)))
          res.on('end', () => {
            const status = res.statusCode ?? 0
            if (status >= 400) reject(new VimHttpError(status, this.redact(`${method} ${url.pathname}: HTTP ${status}`)))
            else resolve({ status, body: Buffer.concat(chunks) })
          })
        },
      )
      req.on('error', (e) => reject(this.#clean(e)))
      req.end(body)
    })
  }

  /** Whatever is secret (the password) replaced in a text from the server or the network. */
  redact(text: string): string {
    let t = text
    for (const s of this.#secrets) t = t.split(s).join('***')
    return t
  }

  /** One SOAP call through the caller's retry budget; returns the response's `returnval`. */
  async call(method: string, self: MoRef, args: XmlObject, opts: CallOpts): Promise<Parsed | undefined> {
    // Each attempt has its own bound (a vCenter that never answers is a retried timeout, not a
    // hung build); a create's attempt waits until the create's own bound instead.
    const timeoutMs = requestTimeoutMs(opts, this.#timeoutMs)
    return this.caller.call(method, this.server, (signal) => this.#send(method, self, args, signal, timeoutMs), {
      signal: opts.signal,
      ...(opts.requestSignal && { requestSignal: opts.requestSignal }),
      ...(opts.retry && { retry: opts.retry }),
      ...(opts.budget && { budget: opts.budget }),
    })
  }

  #send(method: string, self: MoRef, args: XmlObject, outer: AbortSignal, timeoutMs: number): Promise<Parsed | undefined> {
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = AbortSignal.any([outer, timeout])
    const body = envelope(method, self, args)
    const url = new URL(this.endpoint)
    const request = this.#https ? httpsRequest : httpRequest
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: this.#agent,
          signal,
          headers: {
            'Content-Type': 'text/xml; charset=utf-8',
            SOAPAction: `urn:vim25/${this.#content?.apiVersion ?? '6.5'}`,
            'Content-Length': Buffer.byteLength(body),
            ...(this.#cookie && { Cookie: this.#cookie }),
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', (e) => reject(this.#clean(e)))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            const cookie = res.headers['set-cookie']?.find((c) => c.startsWith('vmware_soap_session'))
            if (cookie) this.#cookie = cookie.split(';')[0]
            let parsed: { name: string; value: Parsed }
            try {
              parsed = parseBody(text)
            } catch {
              reject(new VimHttpError(res.statusCode ?? 0, this.redact(`${method}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`)))
              return
            }
            if (parsed.name === 'Fault') {
              reject(faultOf(parsed.value, res.statusCode, (t) => this.redact(t)))
              return
            }
            resolve(obj(parsed.value).returnval)
          })
        },
      )
      req.on('error', (e) => {
        // Our own bound, not the caller's signal: a network timeout (transient, retried).
        if (timeout.aborted && !outer.aborted)
          reject(Object.assign(new Error(`${method}: no answer from ${this.endpoint} within ${Math.round(timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' }))
        else reject(this.#clean(e))
      })
      req.end(body)
    })
  }

  /** A network error without anything secret in its message. */
  #clean(e: Error): Error {
    e.message = this.redact(e.message)
    return e
  }

  // ---- property collector -------------------------------------------------------------------

  /** Properties of some objects (of one type): a map from the object's value to its properties. */
  async properties(objects: readonly MoRef[], type: string, paths: readonly string[], signal: AbortSignal): Promise<Map<string, Props>> {
    if (!objects.length) return new Map()
    const spec = { propSet: [{ type, pathSet: [...paths] }], objectSet: objects.map((o) => ({ obj: o, skip: false })) }
    return this.#retrieve(spec, signal)
  }

  /** Properties of one object; undefined when it does not exist (any more). */
  async get(o: MoRef, paths: readonly string[], signal: AbortSignal): Promise<Props | undefined> {
    try {
      return (await this.properties([o], o.type, paths, signal)).get(o.value)
    } catch (err) {
      if (vimErrorModel.classify(vimErrorModel.facts(unwrap(err)), err) === 'not-found') return undefined
      throw err
    }
  }

  /** Every object of a type under a container (the root folder by default), with its properties. */
  async all(type: string, paths: readonly string[], signal: AbortSignal, container?: MoRef): Promise<Map<string, Props>> {
    const view = moref(
      await this.call(
        'CreateContainerView',
        this.content.viewManager,
        { container: container ?? this.content.rootFolder, type: [type], recursive: true },
        { signal },
      ),
    )!
    try {
      const spec = {
        propSet: [{ type, pathSet: [...paths] }],
        objectSet: [{ obj: view, skip: true, selectSet: [{ $type: 'TraversalSpec', name: 'view', type: 'ContainerView', path: 'view', skip: false }] }],
      }
      return await this.#retrieve(spec, signal)
    } finally {
      await this.call('DestroyView', view, {}, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined)
    }
  }

  async #retrieve(spec: XmlObject, signal: AbortSignal): Promise<Map<string, Props>> {
    const out = new Map<string, Props>()
    let res = obj(await this.call('RetrievePropertiesEx', this.content.propertyCollector, { specSet: [spec], options: {} }, { signal }))
    for (;;) {
      for (const o of list(res.objects)) {
        const oo = obj(o)
        const self = moref(oo.obj)
        if (!self) continue
        const props: Record<string, Parsed> = {}
        for (const p of list(oo.propSet)) props[str(obj(p).name) ?? ''] = obj(p).val ?? ''
        out.set(self.value, new Props(self, props))
      }
      const token = str(res.token)
      if (!token) return out
      res = obj(await this.call('ContinueRetrievePropertiesEx', this.content.propertyCollector, { token }, { signal }))
    }
  }

  /**
   * Waits for a task through a property collector of its own (CreateFilter + WaitForUpdatesEx),
   * returning `info.result`; a task error throws as a VimFault. A cancel stops the wait, not the task.
   */
  async waitTask(task: MoRef, signal: AbortSignal): Promise<Parsed | undefined> {
    const pc = moref(await this.call('CreatePropertyCollector', this.content.propertyCollector, {}, { signal }))!
    try {
      await this.call(
        'CreateFilter',
        pc,
        {
          spec: { propSet: [{ type: 'Task', pathSet: ['info.state', 'info.error', 'info.result'] }], objectSet: [{ obj: task, skip: false }] },
          partialUpdates: false,
        },
        { signal },
      )
      let version = ''
      const seen: Record<string, Parsed> = {}
      for (;;) {
        const res = obj(await this.call('WaitForUpdatesEx', pc, { version, options: { maxWaitSeconds: 60 } }, { signal }))
        version = str(res.version) ?? version
        for (const fs of list(res.filterSet)) {
          for (const os of list(obj(fs).objectSet)) {
            for (const ch of list(obj(os).changeSet)) {
              const c = obj(ch)
              seen[str(c.name) ?? ''] = c.val ?? ''
            }
          }
        }
        const state = str(seen['info.state'])
        if (state === 'success') return seen['info.result']
        if (state === 'error') throw taskFault(seen['info.error'], (t) => this.redact(t))
      }
    } finally {
      await this.call('DestroyPropertyCollector', pc, {}, { signal: AbortSignal.timeout(30_000) }).catch(() => undefined)
    }
  }

  /** Calls a `*_Task` method and waits for it. */
  async task(method: string, self: MoRef, args: XmlObject, opts: CallOpts): Promise<Parsed | undefined> {
    const t = moref(await this.call(method, self, args, opts))
    if (!t) throw new Error(`${method} answered without a task`)
    return this.waitTask(t, opts.signal)
  }

  // ---- inventory ----------------------------------------------------------------------------

  /** SearchIndex.FindByInventoryPath: `DC0/vm/folder/name`; undefined when nothing is there. */
  async findByPath(path: string, signal: AbortSignal): Promise<MoRef | undefined> {
    return moref(await this.call('FindByInventoryPath', this.content.searchIndex, { inventoryPath: path.replace(/^\/+/, '') }, { signal }))
  }

  /** The inventory path of an object (its names up to the root folder). */
  async pathOf(o: MoRef, signal: AbortSignal): Promise<string> {
    const names: string[] = []
    let cur: MoRef | undefined = o
    while (cur && cur.value !== this.content.rootFolder.value) {
      const p = await this.get(cur, ['name', 'parent'], signal)
      if (!p) break
      names.unshift(p.string('name') ?? '')
      cur = p.ref('parent')
    }
    return names.join('/')
  }
}

/** One object's properties, read by name. */
export class Props {
  constructor(
    readonly self: MoRef,
    readonly values: Readonly<Record<string, Parsed>>,
  ) {}
  raw(name: string): Parsed | undefined {
    return this.values[name]
  }
  string(name: string): string | undefined {
    return str(this.values[name])
  }
  ref(name: string): MoRef | undefined {
    return moref(this.values[name])
  }
  refs(name: string): MoRef[] {
    // An ArrayOfManagedObjectReference holds its refs in ManagedObjectReference elements.
    return list(obj(this.values[name]).ManagedObjectReference)
      .map(moref)
      .filter((r): r is MoRef => Boolean(r))
  }
  object(name: string): ParsedObject {
    return obj(this.values[name])
  }
}

function unwrap(err: unknown): unknown {
  return (err as { cause?: unknown })?.cause ?? err
}

function faultOf(value: Parsed, status: number | undefined, redact: (t: string) => string): VimFault {
  const f = obj(value)
  const detail = obj(f.detail)
  const first = Object.values(detail)[0]
  const name = obj(first).$type ?? Object.keys(detail)[0]?.replace(/Fault$/, '') ?? 'SOAPFault'
  return new VimFault(typeof name === 'string' ? name : 'SOAPFault', redact(str(f.faultstring) ?? 'SOAP fault'), status)
}

function taskFault(error: Parsed | undefined, redact: (t: string) => string): VimFault {
  const e = obj(error)
  const fault = obj(e.fault)
  const name = typeof fault.$type === 'string' ? fault.$type : 'TaskError'
  return new VimFault(name, redact(str(e.localizedMessage) || name), undefined)
}
