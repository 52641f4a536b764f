import { buildQuery, parseAnswer, reverseName, type QType } from './dns-wire.js'
import { type Found, type Machine, goDuration, kv, sq } from './machine.js'
import type { Probe } from './system.js'

/** IPv4 from /proc/net's little-endian hex. */
function ip4(hex: string): string {
  return [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join('.')
}

/** IPv6 from /proc/net's four little-endian words, printed as Go prints a net.IP. */
function ip6(hex: string): string {
  const bytes: number[] = []
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8)
    for (let i = 6; i >= 0; i -= 2) bytes.push(Number.parseInt(word.slice(i, i + 2), 16))
  }
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12).join('.')
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16))
  // the longest run (2 or more) of zero groups becomes ::
  let best = -1
  let bestLen = 0
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > bestLen && j - i >= 2) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  if (best < 0) return groups.join(':')
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`
}

/** Listening sockets from /proc/net/{tcp,tcp6,udp,udp6}, read once per pass: `tcp:22` -> ["0.0.0.0"]. */
async function sockets(m: Machine): Promise<Map<string, string[]>> {
  return m.memo('sockets', async () => {
    const r = await m.sh('for p in tcp tcp6 udp udp6; do echo "== $p"; cat /proc/net/$p 2>/dev/null; done')
    const out = new Map<string, string[]>()
    let proto = ''
    for (const line of r.stdout.split('\n')) {
      const head = /^== (\w+)$/.exec(line)
      if (head) {
        proto = head[1]!
        continue
      }
      const f = line.trim().split(/\s+/)
      if (!/^\d+:$/.test(f[0] ?? '')) continue
      const [addr, port] = (f[1] ?? '').split(':')
      // TCP sockets count when listening (state 0A); UDP ones when bound, as goss counts them
      if (proto.startsWith('tcp') && f[3] !== '0A') continue
      const key = `${proto}:${Number.parseInt(port ?? '0', 16)}`
      const ip = proto.endsWith('6') ? ip6(addr ?? '') : ip4(addr ?? '')
      out.set(key, [...(out.get(key) ?? []), ip])
    }
    return out
  })
}

export const portProbe: Probe = async (c, m) => {
  const id = c.target.includes(':') ? c.target : `tcp:${c.target}`
  const ips = (await sockets(m)).get(id)
  return { listening: { value: ips !== undefined }, ip: { value: ips ?? [] } }
}

function splitAddress(address: string): { proto: 'tcp' | 'udp'; host: string; port: string } {
  const m = /^(tcp|udp):\/\/(.*)$/.exec(address)
  const proto = (m?.[1] ?? 'tcp') as 'tcp' | 'udp'
  const rest = m ? m[2]! : address
  const i = rest.lastIndexOf(':')
  return { proto, host: rest.slice(0, i).replace(/^\[|\]$/g, ''), port: rest.slice(i + 1) }
}

const PY_CONNECT = `import socket,sys
proto,host,port,local,t=sys.argv[1],sys.argv[2],int(sys.argv[3]),sys.argv[4],float(sys.argv[5])
try:
  s=socket.create_connection((host,port),t,(local,0) if local else None) if proto=="tcp" else socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,socket.SOCK_DGRAM)
  if proto=="udp": s.connect((host,port))
  print("reachable=1")
except Exception as e:
  print("reachable=0")`

/** A TCP connect (or a UDP "connect", which only needs a route, as goss's Dial) within the timeout. */
export const addrProbe: Probe = async (c, m) => {
  const { proto, host, port } = splitAddress(c.target)
  const ms = c.options.timeout as number
  const local = c.options['local-address'] as string
  const caps = await m.caps()
  let script: string
  if (caps.has('bash') && caps.has('timeout') && !local) {
    script = `timeout ${(ms / 1000).toFixed(3)} bash -c ${sq(`exec 3<>/dev/${proto}/${host}/${port}`)} 2>/dev/null && echo reachable=1 || echo reachable=0`
  } else if (caps.has('python3')) {
    script = `python3 -c ${sq(PY_CONNECT)} ${sq(proto)} ${sq(host)} ${sq(port)} ${sq(local)} ${(ms / 1000).toFixed(3)}`
  } else {
    return { reachable: { error: 'no way to open a connection on the machine (bash with coreutils timeout, or python3)' } }
  }
  const r = await m.sh(script)
  return { reachable: { value: kv(r.stdout).get('reachable') === '1' } }
}

/** ip(8) for the addresses (CIDR, as Go's Addr.String()), /sys/class/net for existence and MTU. */
export const interfaceProbe: Probe = async (c, m) => {
  const n = sq(c.target)
  const caps = await m.caps()
  const r = await m.sh(
    `[ -e /sys/class/net/${n} ] || { echo exists=0; exit 0; }; echo exists=1; printf 'mtu=%s\\n' "$(cat /sys/class/net/${n}/mtu)"; ${caps.has('ip') ? `ip -o addr show dev ${n}` : 'echo noip=1'}`,
  )
  const f = kv(r.stdout)
  if (f.get('exists') !== '1') {
    const none = { error: `interface ${c.target} not found` }
    return { exists: { value: false }, addrs: none, mtu: none }
  }
  const addrs: Found = f.has('noip')
    ? { error: 'ip(8) is not on the machine, so its addresses cannot be read' }
    : { value: r.stdout.split('\n').flatMap((l) => /\sinet6?\s+(\S+)/.exec(l)?.[1] ?? []) }
  return { exists: { value: true }, addrs, mtu: { value: Number(f.get('mtu')) } }
}

const QTYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SRV', 'TXT', 'CAA', 'SSHFP'] as const

/**
 * Without `server`: the machine's resolver (getent ahosts, as Go's LookupHost). With it: DNS
 * queries built here, sent by the machine over UDP (bash's /dev/udp, or python3), and the
 * answers parsed here; a bare name asks for A and AAAA, `MX:name` and the like for one type.
 */
export const dnsProbe: Probe = async (c, m) => {
  const ms = c.options.timeout as number
  const server = c.options.server as string
  const split = /^([A-Z]+):(.*)$/.exec(c.target)
  const qtype = split && (QTYPES as readonly string[]).includes(split[1]!) ? (split[1] as QType) : undefined
  const host = split && qtype ? split[2]! : c.target
  const timedOut = { error: `DNS lookup timed out (${goDuration(ms)})` }
  const result = (addrs: string[]): Record<string, Found> => ({ resolvable: { value: addrs.length > 0 }, addrs: { value: [...addrs].sort() } })
  if (!server) {
    const { script, bounded } = await m.withTimeout(`getent ahosts ${sq(host)} | awk '{print $1}' | sort -u`, ms)
    const r = await m.sh(script)
    if (bounded && r.exitCode === 124) return { resolvable: timedOut, addrs: timedOut }
    return result(r.stdout.split('\n').filter(Boolean))
  }
  const types: QType[] = qtype ? [qtype] : ['A', 'AAAA']
  const name = qtype === 'PTR' ? reverseName(host) : host
  const addrs: string[] = []
  for (const t of types) {
    const answer = await query(m, server, name, t, ms)
    if (answer === 'timeout') {
      if (types.length === 1) return { resolvable: timedOut, addrs: timedOut }
      continue
    }
    addrs.push(...answer)
  }
  return result(addrs)
}

const PY_DNS = `import socket,sys,binascii
host,port,q,t=sys.argv[1],int(sys.argv[2]),binascii.unhexlify(sys.argv[3]),float(sys.argv[4])
s=socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET,socket.SOCK_DGRAM)
s.settimeout(t)
s.sendto(q,(host,port))
try:
  print(binascii.hexlify(s.recv(65535)).decode())
except socket.timeout:
  sys.exit(124)`

async function query(m: Machine, server: string, name: string, type: QType, ms: number): Promise<string[] | 'timeout'> {
  const sv = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(server.includes(':') && !server.includes('.') && !server.startsWith('[') ? `[${server}]` : server)
  const host = sv?.[1] ?? server
  const port = sv?.[2] ?? '53'
  const id = Math.floor(Math.random() * 0xffff)
  const packet = buildQuery(id, name, type)
  const caps = await m.caps()
  let script: string
  if (caps.has('bash') && caps.has('timeout') && caps.has('dd') && caps.has('od')) {
    const bytes = [...packet].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')
    const inner = `exec 3<>/dev/udp/${host}/${port} || exit 3; printf '${bytes}' >&3; timeout ${(ms / 1000).toFixed(3)} dd bs=65535 count=1 <&3 2>/dev/null | od -An -v -tx1; exit "\${PIPESTATUS[0]}"`
    script = `bash -c ${sq(inner)}`
  } else if (caps.has('python3')) {
    script = `python3 -c ${sq(PY_DNS)} ${sq(host)} ${port} ${Buffer.from(packet).toString('hex')} ${(ms / 1000).toFixed(3)}`
  } else {
    throw new Error('no way to send a DNS query from the machine (bash with coreutils, or python3)')
  }
  const r = await m.sh(script)
  const hex = r.stdout.replace(/\s+/g, '')
  if (!hex) return 'timeout'
  return parseAnswer(Buffer.from(hex, 'hex'), id, type)
}

const PY_HTTP = `import sys,json,base64,ssl,urllib.request,urllib.error
o=json.loads(base64.b64decode(sys.argv[1]))
class NoRedirect(urllib.request.HTTPRedirectHandler):
  def redirect_request(self,*a,**k): return None
hs=[]
ctx=ssl.create_default_context(cafile=o["ca"] or None)
if o["insecure"]:
  ctx.check_hostname=False; ctx.verify_mode=ssl.CERT_NONE
if o["cert"]: ctx.load_cert_chain(o["cert"],o["key"] or None)
hs.append(urllib.request.HTTPSHandler(context=ctx))
if o["noFollow"]: hs.append(NoRedirect())
hs.append(urllib.request.ProxyHandler({"http":o["proxy"],"https":o["proxy"]}) if o["proxy"] else urllib.request.ProxyHandler())
op=urllib.request.build_opener(*hs)
req=urllib.request.Request(o["url"],data=o["body"].encode() if o["body"] else None,method=o["method"])
for h in o["headers"]:
  k,_,v=h.partition(":"); req.add_header(k.strip(),v.strip())
if o["user"] or o["password"]:
  req.add_header("Authorization","Basic "+base64.b64encode((o["user"]+":"+o["password"]).encode()).decode())
try:
  r=op.open(req,timeout=o["timeout"])
except urllib.error.HTTPError as e:
  r=e
except Exception as e:
  sys.stderr.write(str(getattr(e,"reason",e))+"\\n"); sys.exit(2)
print(r.status if hasattr(r,"status") else r.code)
for k,v in r.headers.items(): print("h="+base64.b64encode((k+": "+v).encode()).decode())
print("b="+base64.b64encode(r.read()).decode())`

/** Canonical MIME header key, as Go's net/http writes it (content-type -> Content-Type). */
function canonical(h: string): string {
  const i = h.indexOf(':')
  const k = h
    .slice(0, i)
    .toLowerCase()
    .replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())
  return k + h.slice(i)
}

/** An HTTP request from the machine: python3's urllib, else curl; status, headers ("Key: value" lines) and body. */
export const httpProbe: Probe = async (c, m) => {
  const o = c.options
  const caps = await m.caps()
  const ms = o.timeout as number
  const req = {
    url: c.target,
    method: o.method as string,
    insecure: o['allow-insecure'] as boolean,
    noFollow: o['no-follow-redirects'] as boolean,
    timeout: ms / 1000,
    headers: o['request-headers'] as string[],
    body: o['request-body'] as string,
    user: o.username as string,
    password: o.password as string,
    ca: o['ca-file'] as string,
    cert: o['cert-file'] as string,
    key: o['key-file'] as string,
    proxy: o.proxy as string,
  }
  let status: number
  let headers: string[]
  let body: string
  if (caps.has('python3')) {
    const r = await m.sh(`python3 -c ${sq(PY_HTTP)} ${Buffer.from(JSON.stringify(req)).toString('base64')}`)
    if (r.exitCode !== 0) return fail(req.url, r.stderr.trim(), ms)
    const lines = r.stdout.split('\n')
    status = Number(lines[0])
    headers = lines.filter((l) => l.startsWith('h=')).map((l) => canonical(Buffer.from(l.slice(2), 'base64').toString()))
    body = Buffer.from(lines.find((l) => l.startsWith('b='))?.slice(2) ?? '', 'base64').toString()
  } else if (caps.has('curl')) {
    // headers go to stdout before the body (curl 7.88 crashes writing them to a piped stderr)
    const args = ['-sS', '-X', req.method, '--max-time', String(req.timeout), '-D', '-', '-o', '-', '-w', '\\n%{http_code}\\n']
    if (req.insecure) args.push('-k')
    if (!req.noFollow) args.push('-L')
    for (const h of req.headers) args.push('-H', h)
    if (req.body) args.push('--data-raw', req.body)
    if (req.user || req.password) args.push('-u', `${req.user}:${req.password}`)
    if (req.ca) args.push('--cacert', req.ca)
    if (req.cert) args.push('--cert', req.cert)
    if (req.key) args.push('--key', req.key)
    if (req.proxy) args.push('-x', req.proxy)
    const r = await m.sh(`curl ${args.map(sq).join(' ')} -- ${sq(req.url)}`)
    if (r.exitCode !== 0)
      return fail(
        req.url,
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('curl:'))
          .join(' ') || `curl exited ${r.exitCode}`,
        ms,
      )
    const lines = r.stdout.replace(/\n$/, '').split('\n')
    status = Number(lines.pop())
    // one block of headers per response (redirects followed); the final response's is last
    let blockStart = 0
    let i = 0
    while (lines[i]?.startsWith('HTTP/')) {
      blockStart = i
      while (i < lines.length && lines[i]!.replace(/\r$/, '') !== '') i++
      i++
    }
    headers = lines
      .slice(blockStart + 1, Math.max(blockStart + 1, i - 1))
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l.includes(':'))
      .map(canonical)
    body = lines.slice(i).join('\n')
  } else {
    return fail(req.url, 'no HTTP client on the machine (python3 or curl)', ms)
  }
  return { status: { value: status }, headers: { value: headers.join('\n') }, body: { value: body } }
}

function fail(url: string, why: string, ms: number): Record<string, Found> {
  const timedOut = /timed out|timeout/i.test(why)
  const e = {
    error: timedOut
      ? `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers) after ${goDuration(ms)}`
      : `Get "${url}": ${why}`,
  }
  return { status: e, headers: e, body: e }
}
