import { aliError } from './errors.js'

/**
 * Typed reads of an RPC call's flat parameters. Lists arrive in two forms, depending on
 * the action and the SDK: repeated keys (`Tag.1.Key`, `AddAccount.1`) or one JSON string
 * (`InstanceIds='["i-1"]'`); `list` and `jsonList` read each.
 */
export class Params {
  constructor(readonly raw: ReadonlyMap<string, string>) {}

  str(name: string): string | undefined {
    const v = this.raw.get(name)
    return v === undefined || v === '' ? undefined : v
  }

  required(name: string): string {
    const v = this.str(name)
    if (v === undefined) throw aliError('MissingParameter', `The input parameter "${name}" that is mandatory for processing this request is not supplied.`)
    return v
  }

  int(name: string): number | undefined {
    const v = this.str(name)
    if (v === undefined) return undefined
    if (!/^-?\d+$/.test(v)) throw aliError('InvalidParameter', `The specified parameter "${name}" is not valid.`)
    return Number(v)
  }

  bool(name: string): boolean | undefined {
    const v = this.str(name)
    if (v === undefined) return undefined
    if (v !== 'true' && v !== 'false') throw aliError('InvalidParameter', `The specified parameter "${name}" is not valid.`)
    return v === 'true'
  }

  /** `Name.1`, `Name.2`, ... in index order (gaps allowed, as the gateway allows them). */
  list(name: string): string[] {
    return this.indexed(name)
      .map(([, v]) => v)
      .filter((v): v is string => typeof v === 'string')
  }

  /** `Name.N.Field` entries as objects: `Tag.1.Key=a&Tag.1.Value=b` gives [{ Key: 'a', Value: 'b' }]. */
  records(name: string): Record<string, string>[] {
    const byIndex = new Map<number, Record<string, string>>()
    const prefix = `${name}.`
    for (const [key, value] of this.raw) {
      if (!key.startsWith(prefix)) continue
      const m = /^(\d+)\.(.+)$/.exec(key.slice(prefix.length))
      if (!m) continue
      const record = byIndex.get(Number(m[1])) ?? {}
      record[m[2]!] = value
      byIndex.set(Number(m[1]), record)
    }
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, r]) => r)
  }

  /** A list sent as one JSON array string (`InstanceIds`, `KeyPairNames`, `SnapshotIds`). */
  jsonList(name: string): string[] | undefined {
    const v = this.str(name)
    if (v === undefined) return undefined
    let parsed: unknown
    try {
      parsed = JSON.parse(v)
    } catch {
      throw aliError('InvalidParameter', `The specified parameter "${name}" is not a valid JSON array.`)
    }
    if (!Array.isArray(parsed) || parsed.some((x) => typeof x !== 'string'))
      throw aliError('InvalidParameter', `The specified parameter "${name}" is not a valid JSON array of strings.`)
    return parsed as string[]
  }

  /** `Tag.N.Key` / `Tag.N.Value` pairs (Alibaba's tag parameters). */
  tags(): { key: string; value: string }[] {
    return this.records('Tag')
      .filter((t) => t.Key)
      .map((t) => ({ key: t.Key!, value: t.Value ?? '' }))
  }

  private indexed(name: string): [number, string | undefined][] {
    const prefix = `${name}.`
    const out: [number, string][] = []
    for (const [key, value] of this.raw) {
      if (key.startsWith(prefix) && /^\d+$/.test(key.slice(prefix.length))) out.push([Number(key.slice(prefix.length)), value])
    }
    return out.sort(([a], [b]) => a - b)
  }
}
