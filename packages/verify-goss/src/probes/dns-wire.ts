/** DNS messages (RFC 1035) for the queries a dns check sends from the machine. */
export type QType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'NS' | 'PTR' | 'SRV' | 'TXT' | 'CAA' | 'SSHFP'

const CODES: Record<QType, number> = { A: 1, NS: 2, CNAME: 5, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, SSHFP: 44, CAA: 257 }

/** A recursive query for one name and type. */
export function buildQuery(id: number, name: string, type: QType): Uint8Array {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean)
  const qname = labels.flatMap((l) => {
    const b = [...Buffer.from(l)]
    return [b.length, ...b]
  })
  const code = CODES[type]
  return Uint8Array.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...qname, 0, code >> 8, code & 0xff, 0, 1])
}

/** The in-addr.arpa / ip6.arpa name of an address, for PTR. */
export function reverseName(ip: string): string {
  if (ip.includes(':')) {
    const parts = ip.split('::')
    const head = parts[0] ? parts[0].split(':') : []
    const tail = parts[1] ? parts[1].split(':') : []
    const groups = [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail]
    return (
      groups
        .map((g: string) => g.padStart(4, '0'))
        .join('')
        .split('')
        .reverse()
        .join('.') + '.ip6.arpa.'
    )
  }
  return ip.split('.').reverse().join('.') + '.in-addr.arpa.'
}

function readName(buf: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = []
  let pos = start
  let end = -1
  for (let hops = 0; hops < 64; hops++) {
    const len = buf[pos]
    if (len === undefined) throw new Error('truncated DNS name')
    if ((len & 0xc0) === 0xc0) {
      if (end < 0) end = pos + 2
      pos = ((len & 0x3f) << 8) | buf[pos + 1]!
      continue
    }
    if (len === 0) {
      if (end < 0) end = pos + 1
      return { name: labels.length ? labels.join('.') + '.' : '.', end }
    }
    labels.push(buf.subarray(pos + 1, pos + 1 + len).toString('latin1'))
    pos += 1 + len
  }
  throw new Error('DNS name compression loop')
}

function ip6(b: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16))
  let best = -1
  let len = 0
  for (let i = 0; i < 8;) {
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > len && j - i >= 2) {
      best = i
      len = j - i
    }
    i = j === i ? i + 1 : j
  }
  return best < 0 ? groups.join(':') : `${groups.slice(0, best).join(':')}::${groups.slice(best + len).join(':')}`
}

/** The answers of the asked type, formatted as goss formats each record type. */
export function parseAnswer(buf: Buffer, id: number, type: QType): string[] {
  if (buf.length < 12 || buf.readUInt16BE(0) !== id) return []
  const qd = buf.readUInt16BE(4)
  const an = buf.readUInt16BE(6)
  let pos = 12
  for (let i = 0; i < qd; i++) pos = readName(buf, pos).end + 4
  const want = CODES[type]
  const out: string[] = []
  for (let i = 0; i < an; i++) {
    pos = readName(buf, pos).end
    const rtype = buf.readUInt16BE(pos)
    const rdlen = buf.readUInt16BE(pos + 8)
    const rd = pos + 10
    pos = rd + rdlen
    if (rtype !== want) continue
    const data = buf.subarray(rd, rd + rdlen)
    switch (type) {
      case 'A':
        out.push([...data].join('.'))
        break
      case 'AAAA':
        out.push(ip6(data))
        break
      case 'CNAME':
      case 'NS':
      case 'PTR':
        out.push(readName(buf, rd).name)
        break
      case 'MX':
        out.push(`${data.readUInt16BE(0)} ${readName(buf, rd + 2).name}`)
        break
      case 'SRV':
        out.push(`${data.readUInt16BE(0)} ${data.readUInt16BE(2)} ${data.readUInt16BE(4)} ${readName(buf, rd + 6).name}`)
        break
      case 'TXT': {
        const parts: string[] = []
        for (let p = 0; p < data.length;) {
          const l = data[p]!
          parts.push(data.subarray(p + 1, p + 1 + l).toString())
          p += 1 + l
        }
        out.push(parts.join(''))
        break
      }
      case 'SSHFP':
        out.push(`${data[0]} ${data[1]} ${data.subarray(2).toString('hex').toUpperCase()}`)
        break
      case 'CAA': {
        const tl = data[1]!
        out.push(`${data[0]} ${data.subarray(2, 2 + tl).toString()} ${data.subarray(2 + tl).toString()}`)
        break
      }
    }
  }
  return out
}
