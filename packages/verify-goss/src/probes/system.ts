import type { GossCheck } from '../types.js'
import { type Caps, type Found, type Machine, kv, sq } from './machine.js'

export type Probe = (check: GossCheck, m: Machine) => Promise<Record<string, Found>>

const wants = (c: GossCheck, key: string) => c.attributes.some((a) => a.name === key)
const all = (keys: readonly string[], f: Found): Record<string, Found> => Object.fromEntries(keys.map((k) => [k, f]))

/** The package tool goss uses: by the distribution's release file, else the first one present. */
function packageManager(caps: Caps): 'deb' | 'rpm' | 'apk' | 'pacman' | undefined {
  const byDistro = { ubuntu: 'deb', debian: 'deb', redhat: 'rpm', alpine: 'apk', arch: 'pacman', '': undefined } as const
  const chosen = byDistro[caps.distro]
  if (chosen) return chosen
  if (caps.has('dpkg-query')) return 'deb'
  if (caps.has('rpm')) return 'rpm'
  if (caps.has('apk')) return 'apk'
  if (caps.has('pacman')) return 'pacman'
  return undefined
}

/** dpkg-query, rpm, apk or pacman, as goss picks them for the distribution. */
export const packageProbe: Probe = async (c, m) => {
  const caps = await m.caps()
  const n = sq(c.target)
  switch (packageManager(caps)) {
    case 'deb': {
      const r = await m.sh(`dpkg-query -f '\${Status} \${Version}\\n' -W ${n} 2>/dev/null; exit 0`)
      const versions = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('install ok installed') || l.startsWith('hold ok installed'))
        .map((l) => l.split(' ').slice(3).join(' '))
      return { installed: { value: versions.length > 0 }, versions: { value: versions } }
    }
    case 'rpm': {
      const r = await m.sh(`rpm -q --nosignature --nohdrchk --nodigest --qf '%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n' ${n} 2>/dev/null`)
      const installed = r.exitCode === 0
      return { installed: { value: installed }, versions: { value: installed ? r.stdout.split('\n').filter(Boolean) : [] } }
    }
    case 'pacman': {
      const r = await m.sh(`pacman -Q ${n} 2>/dev/null`)
      const installed = r.exitCode === 0
      return {
        installed: { value: installed },
        versions: {
          value: installed
            ? r.stdout
                .split('\n')
                .filter(Boolean)
                .map((l) => l.split(' ')[1] ?? '')
            : [],
        },
      }
    }
    case 'apk': {
      const r = await m.sh(`apk info -e ${n} >/dev/null 2>&1 || exit 1; apk info -v ${n} 2>/dev/null | head -n1`)
      const installed = r.exitCode === 0
      const v = r.stdout.trim().slice(c.target.length + 1)
      return { installed: { value: installed }, versions: { value: installed && v ? [v] : [] } }
    }
    case undefined:
      return all(['installed', 'versions'], { error: 'no package manager found on the machine (dpkg-query, rpm, apk or pacman)' })
  }
}

const FILETYPES: Record<number, string> = {
  0o140000: 'socket',
  0o120000: 'symlink',
  0o100000: 'file',
  0o060000: 'block-device',
  0o040000: 'directory',
  0o020000: 'character-device',
  0o010000: 'pipe',
}

/** stat, readlink and the checksum tools on the path; contents read separately only when asked. */
export const fileProbe: Probe = async (c, m) => {
  const p = sq(c.target)
  const sums = (['md5', 'sha256', 'sha512'] as const)
    .filter((s) => wants(c, s))
    .map((s) => `printf '${s}=%s\\n' "$(${s}sum < ${p} 2>/dev/null | cut -d' ' -f1)"`)
  const r = await m.sh(
    [
      `if [ -e ${p} ] || [ -L ${p} ]; then echo exists=1; else echo exists=0; exit 0; fi`,
      `printf 'stat=%s\\n' "$(stat -c '%f|%a|%s|%U|%u|%G|%g' -- ${p})"`,
      `if [ -L ${p} ]; then printf 'link=%s\\n' "$(readlink -- ${p})"; fi`,
      ...sums,
    ].join('\n'),
  )
  const f = kv(r.stdout)
  const out: Record<string, Found> = { exists: { value: f.get('exists') === '1' } }
  if (f.get('exists') !== '1') {
    const gone = { error: `lstat ${c.target}: no such file or directory` }
    return {
      ...out,
      ...all(['mode', 'owner', 'uid', 'group', 'gid', 'linked-to', 'filetype', 'contains', 'contents', 'size', 'md5', 'sha256', 'sha512'], gone),
    }
  }
  const [rawMode, perm, size, owner, uid, group, gid] = (f.get('stat') ?? '').split('|')
  const type = Number.parseInt(rawMode ?? '0', 16) & 0o170000
  out.mode = { value: (perm ?? '').padStart(4, '0') }
  out.size = { value: Number(size) }
  out.owner = owner === 'UNKNOWN' ? { error: `user: unknown userid ${uid}` } : { value: owner }
  out.uid = { value: Number(uid) }
  out.group = group === 'UNKNOWN' ? { error: `group: unknown groupid ${gid}` } : { value: group }
  out.gid = { value: Number(gid) }
  out.filetype = { value: FILETYPES[type] ?? 'file' }
  out['linked-to'] = f.has('link') ? { value: f.get('link') } : { error: `readlink ${c.target}: invalid argument` }
  for (const s of ['md5', 'sha256', 'sha512']) if (f.has(s)) out[s] = f.get(s) ? { value: f.get(s) } : { error: `cannot read ${c.target}` }
  if (wants(c, 'contents') || wants(c, 'contains')) {
    const body = await m.sh(`cat -- ${p}`)
    const found: Found = body.exitCode === 0 ? { value: body.stdout } : { error: body.stderr.trim() || `cannot read ${c.target}` }
    out.contents = found
    out.contains = found
  }
  return out
}

/** systemctl when the machine has it (as goss), else OpenRC on Alpine, else SysV init scripts. */
export const serviceProbe: Probe = async (c, m) => {
  const caps = await m.caps()
  const n = sq(c.target)
  if (caps.has('systemctl')) {
    const r = await m.sh(`systemctl -q is-enabled ${n} >/dev/null 2>&1; echo enabled=$?; systemctl -q is-active ${n} >/dev/null 2>&1; echo running=$?`)
    const f = kv(r.stdout)
    return { enabled: { value: f.get('enabled') === '0' }, running: { value: f.get('running') === '0' }, runlevels: { value: [] } }
  }
  if (caps.alpine) {
    const r = await m.sh(`for f in /etc/runlevels/*/${n}; do [ -e "$f" ] && echo "level=$f"; done; rc-service ${n} status >/dev/null 2>&1; echo running=$?`)
    const levels = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('level='))
      .map((l) => l.split('/')[3] ?? '')
    return { enabled: { value: levels.length > 0 }, running: { value: kv(r.stdout).get('running') === '0' }, runlevels: { value: levels } }
  }
  const r = await m.sh(`for f in /etc/rc*.d/S[0-9][0-9]${n}; do [ -e "$f" ] && echo "level=$f"; done; service ${n} status >/dev/null 2>&1; echo running=$?`)
  const levels = r.stdout.split('\n').flatMap((l) => /^level=\/etc\/rc([0-9]+)\.d\//.exec(l)?.[1] ?? [])
  return { enabled: { value: levels.length > 0 }, running: { value: kv(r.stdout).get('running') === '0' }, runlevels: { value: levels } }
}

/** getent passwd for the account; groups as goss computes them from /etc/group. */
export const userProbe: Probe = async (c, m): Promise<Record<string, Found>> => {
  const r = await m.sh(`getent passwd ${sq(c.target)} || exit 2; echo '--group--'; cat /etc/group`)
  if (r.exitCode !== 0) {
    const none = { error: `user: unknown user ${c.target}` }
    return { exists: { value: false }, ...all(['uid', 'gid', 'home', 'groups', 'shell'], none) }
  }
  const [passwd, groupText = ''] = r.stdout.split('--group--\n')
  const [, , uid, gid, , home, shell] = (passwd ?? '').trim().split(':')
  const groups = groupText
    .split('\n')
    .map((l) => l.split(':'))
    .filter((g) => g.length === 4 && (Number(g[2]) === Number(gid) || (g[3] ?? '').split(',').includes(c.target)))
    .map((g) => g[0]!)
  return {
    exists: { value: true },
    uid: { value: Number(uid) },
    gid: { value: Number(gid) },
    home: { value: home },
    groups: { value: groups },
    shell: { value: shell },
  }
}

export const groupProbe: Probe = async (c, m) => {
  const r = await m.sh(`getent group ${sq(c.target)}`)
  if (r.exitCode !== 0) return { exists: { value: false }, gid: { error: `group: unknown group ${c.target}` } }
  return { exists: { value: true }, gid: { value: Number(r.stdout.trim().split(':')[2]) } }
}

/** The names (`comm`) of running processes, read once per pass from /proc. */
export const processProbe: Probe = async (c, m) => {
  const names = await m.memo('process', async () => {
    const r = await m.sh(`cat /proc/[0-9]*/comm 2>/dev/null; exit 0`)
    return new Set(r.stdout.split('\n').map((l) => l.trim()))
  })
  return { running: { value: names.has(c.target) } }
}

export const kernelParamProbe: Probe = async (c, m) => {
  const path = `/proc/sys/${c.target.replace(/\./g, '/')}`
  const r = await m.sh(`cat ${sq(path)}`)
  if (r.exitCode !== 0) return { value: { error: `open ${path}: no such file or directory` } }
  return { value: { value: r.stdout.trim() } }
}

interface MountEntry {
  point: string
  opts: string[]
  vfsOpts: string[]
  source: string
  fstype: string
}

const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)))

/** /proc/self/mountinfo (the last mount on a point wins, as the kernel shows it) and statfs usage. */
export const mountProbe: Probe = async (c, m) => {
  const mounts = await m.memo('mountinfo', async () => {
    const r = await m.sh('cat /proc/self/mountinfo')
    const out = new Map<string, MountEntry>()
    for (const line of r.stdout.split('\n')) {
      const [left, right] = line.split(' - ')
      if (!left || !right) continue
      const l = left.split(' ')
      const [fstype, source, superOpts] = right.split(' ')
      const point = unescape(l[4] ?? '')
      out.set(point, { point, opts: (l[5] ?? '').split(','), vfsOpts: (superOpts ?? '').split(','), source: unescape(source ?? ''), fstype: fstype ?? '' })
    }
    return out
  })
  const e = mounts.get(c.target)
  if (!e) {
    const none = { error: `Mountpoint not found: ${c.target}` }
    return { exists: { value: false }, ...all(['opts', 'vfs-opts', 'source', 'filesystem', 'usage'], none) }
  }
  const out: Record<string, Found> = {
    exists: { value: true },
    opts: { value: e.opts },
    'vfs-opts': { value: e.vfsOpts },
    source: { value: e.source },
    filesystem: { value: e.fstype },
  }
  if (wants(c, 'usage')) {
    const r = await m.sh(`stat -f -c '%b %f' -- ${sq(c.target)}`)
    const [blocks, free] = r.stdout.trim().split(' ').map(Number)
    out.usage = r.exitCode === 0 && blocks ? { value: Math.round((1 - free! / blocks) * 100) } : { error: r.stderr.trim() || `statfs ${c.target} failed` }
  }
  return out
}
