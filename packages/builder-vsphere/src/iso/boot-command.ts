/**
 * Packer's boot command, as its vSphere builders type it: the `boot_command` strings joined,
 * parsed with the grammar of Packer's bootcommand package (a PEG: `<wait>`, `<waitXX>`,
 * `<xOn>`/`<xOff>` for one character, `<special>` with an optional `On`/`Off`, else one literal
 * character), then turned into USB HID key events as the vSphere driver sends them: one
 * `PutUsbScanCodes` call per event, `usbHidCode = (usage << 16) | 7`, with the left Ctrl, Alt
 * and Shift modifiers.
 *
 * Packer's quirks are kept on purpose, since a template written for Packer relies on them:
 * - a literal character is one event, shifted when it is upper case or one of `~!@#$%^&*()_+{}|:"<>?`;
 *   a character outside the US keyboard map is sent as usage 0 (no key);
 * - `<xOn>`/`<xOff>` on a character types it once (Packer's USB driver ignores the toggle);
 * - `<leftAltOn>`, `<leftCtrlOn>`, `<leftShiftOn>` hold that modifier for the events after them
 *   until the matching `Off`; any `...On` event itself carries Shift (Packer sends its "down"
 *   flag as the Shift modifier); right-hand modifiers are sent as keys and hold nothing;
 * - `<menu>`, `<leftMeta>`, `<rightMeta>` parse but Packer's USB map lacks them, so its build
 *   fails when typing them: tsimg refuses them when the template is checked instead.
 */

/** What a key expression does: press and release, hold, or release. */
type KeyAction = 'press' | 'on' | 'off'

/** One parsed boot command expression. */
export type BootExpression =
  | { readonly kind: 'wait'; readonly ms: number; readonly text: string }
  | { readonly kind: 'special'; readonly key: string; readonly action: KeyAction; readonly text: string }
  | { readonly kind: 'literal'; readonly char: string; readonly action: KeyAction; readonly text: string }

/** A problem with a boot command, at a character offset of the joined command. */
export class BootCommandError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message)
    this.name = 'BootCommandError'
  }
}

/** USB HID usage ids of the keyboard page (golang.org/x/mobile/event/key's Code values). */
const HID = {
  a: 0x04,
  n1: 0x1e,
  n0: 0x27,
  enter: 0x28,
  escape: 0x29,
  backspace: 0x2a,
  tab: 0x2b,
  spacebar: 0x2c,
  hyphenMinus: 0x2d,
  semicolon: 0x33,
  f1: 0x3a,
  insert: 0x49,
  home: 0x4a,
  pageUp: 0x4b,
  deleteForward: 0x4c,
  end: 0x4d,
  pageDown: 0x4e,
  rightArrow: 0x4f,
  leftArrow: 0x50,
  downArrow: 0x51,
  upArrow: 0x52,
  leftControl: 0xe0,
  leftShift: 0xe1,
  leftAlt: 0xe2,
  leftGui: 0xe3,
  rightControl: 0xe4,
  rightShift: 0xe5,
  rightAlt: 0xe6,
  rightGui: 0xe7,
} as const

/** The special keys the grammar accepts, in the grammar's order (the first prefix match wins). */
const GRAMMAR_KEYS = [
  'bs',
  'del',
  'enter',
  'esc',
  'f10',
  'f11',
  'f12',
  'f1',
  'f2',
  'f3',
  'f4',
  'f5',
  'f6',
  'f7',
  'f8',
  'f9',
  'return',
  'tab',
  'up',
  'down',
  'spacebar',
  'insert',
  'home',
  'end',
  'pageup',
  'pagedown',
  'leftalt',
  'leftctrl',
  'leftmeta',
  'leftshift',
  'rightalt',
  'rightctrl',
  'rightmeta',
  'rightshift',
  'leftsuper',
  'rightsuper',
  'left',
  'right',
  'menu',
] as const

/** The special keys Packer's USB driver can type, by lower-case name. */
const SPECIAL_KEYS: Readonly<Record<string, number>> = {
  enter: HID.enter,
  return: HID.enter,
  esc: HID.escape,
  bs: HID.backspace,
  del: HID.deleteForward,
  tab: HID.tab,
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i + 1}`, HID.f1 + i])),
  insert: HID.insert,
  home: HID.home,
  end: HID.end,
  pageup: HID.pageUp,
  pagedown: HID.pageDown,
  left: HID.leftArrow,
  right: HID.rightArrow,
  up: HID.upArrow,
  down: HID.downArrow,
  leftalt: HID.leftAlt,
  leftctrl: HID.leftControl,
  leftshift: HID.leftShift,
  rightalt: HID.rightAlt,
  rightctrl: HID.rightControl,
  rightshift: HID.rightShift,
  leftsuper: HID.leftGui,
  rightsuper: HID.rightGui,
  spacebar: HID.spacebar,
}

/** Characters typed with Shift besides upper-case letters (Packer's list). */
const SHIFTED_CHARS = '~!@#$%^&*()_+{}|:"<>?'

/** US keyboard rows: each character's usage is the row's first usage plus its index. */
const ROWS: ReadonlyArray<readonly [string, number]> = [
  ['abcdefghijklmnopqrstuvwxyz', HID.a],
  ['ABCDEFGHIJKLMNOPQRSTUVWXYZ', HID.a],
  ['1234567890', HID.n1],
  ['!@#$%^&*()', HID.n1],
  [' ', HID.spacebar],
  ['-=[]\\', HID.hyphenMinus],
  ['_+{}|', HID.hyphenMinus],
  [";'`,./", HID.semicolon],
  [':"~<>?', HID.semicolon],
]
const CHAR_CODES: ReadonlyMap<string, number> = new Map(ROWS.flatMap(([chars, start]) => [...chars].map((c, i) => [c, start + i] as const)))

/** The usage of a literal character (0 for one outside the US map, as Packer sends it). */
function charUsage(char: string): number {
  return CHAR_CODES.get(char) ?? 0
}

/** Whether Packer types the character with Shift (Go's unicode.IsUpper, or a shifted symbol). */
function charShifted(char: string): boolean {
  return isUpper(char) || SHIFTED_CHARS.includes(char)
}

function isUpper(char: string): boolean {
  // Go's unicode.IsUpper: the Lu category.
  return /^\p{Lu}$/u.test(char)
}

const TIME_UNITS = ['ns', 'us', 'µs', 'ms', 's', 'm', 'h'] as const
const UNIT_NS: Record<(typeof TIME_UNITS)[number], bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
}
const MAX_INT64 = (1n << 63n) - 1n

/**
 * Parses a boot command (the `boot_command` strings joined, placeholders already filled) into
 * expressions, exactly as Packer's grammar reads it. Throws BootCommandError where Packer's
 * parser fails (a wait duration Go cannot parse); see validateBootCommand for what Packer's
 * template check refuses.
 */
export function parseBootCommand(command: string): BootExpression[] {
  const chars = [...command] // runes, as Go's parser reads them
  const out: BootExpression[] = []
  let i = 0
  const at = (k: number): string => chars[k] ?? ''
  const text = (from: number, to: number): string => chars.slice(from, to).join('')
  /** The offset in UTF-16 units of rune k, for messages. */
  const offsetOf = (k: number): number => text(0, k).length

  while (i < chars.length) {
    const start = i
    if (at(i) === '<') {
      const wait = matchWait(chars, i + 1)
      if (wait && 'error' in wait) throw new BootCommandError(wait.error, offsetOf(start))
      if (wait) {
        out.push({ kind: 'wait', ms: wait.ms, text: text(start, wait.end) })
        i = wait.end
        continue
      }
      // CharToggle: '<' any character, On/Off, '>'.
      if (i + 1 < chars.length) {
        const toggle = matchOnOff(chars, i + 2)
        if (toggle && at(toggle.end) === '>') {
          out.push({ kind: 'literal', char: at(i + 1), action: toggle.action, text: text(start, toggle.end + 1) })
          i = toggle.end + 1
          continue
        }
      }
      const special = matchSpecial(chars, i + 1)
      if (special) {
        out.push({ kind: 'special', key: special.key, action: special.action, text: text(start, special.end) })
        i = special.end
        continue
      }
    }
    out.push({ kind: 'literal', char: at(i), action: 'press', text: at(i) })
    i++
  }
  return out
}

/**
 * `wait` then an optional Duration or Integer, then '>'; `undefined` when the rule does not
 * match. A duration or integer Go cannot convert fails the whole parse, '>' or not, as in Packer
 * (its parser collects the errors of every action it ran).
 */
function matchWait(chars: readonly string[], i: number): { end: number; ms: number } | { error: string } | undefined {
  if (chars.slice(i, i + 4).join('') !== 'wait') return undefined
  let k = i + 4
  let ns = 1_000_000_000n
  const duration = matchDuration(chars, k)
  if (duration) {
    if (duration.overflow) return { error: `strconv.ParseInt: parsing "${duration.overflow}": value out of range` }
    const parsed = goParseDuration(duration.text)
    if (typeof parsed === 'string') return { error: parsed }
    k = duration.end
    ns = parsed
  } else {
    const int = matchInteger(chars, k)
    if (int) {
      const n = BigInt(int.text)
      if (n > MAX_INT64) return { error: `strconv.ParseInt: parsing "${int.text}": value out of range` }
      k = int.end
      ns = BigInt.asIntN(64, n * 1_000_000_000n) // Go's time.Duration(n) * time.Second wraps
    }
  }
  if (chars[k] !== '>') return undefined
  return { end: k + 1, ms: Number(ns) / 1e6 }
}

/** Integer = '0' / [1-9][0-9]* */
function matchInteger(chars: readonly string[], i: number): { end: number; text: string } | undefined {
  const c = chars[i] ?? ''
  if (c === '0') return { end: i + 1, text: '0' }
  if (!/^[1-9]$/.test(c)) return undefined
  let k = i + 1
  while (/^[0-9]$/.test(chars[k] ?? '')) k++
  return { end: k, text: chars.slice(i, k).join('') }
}

/** Number = '-'? Integer ('.' [0-9]+)? ; the end, and the integer text when it overflows int64. */
function matchNumber(chars: readonly string[], i: number): { end: number; overflow?: string } | undefined {
  let k = i
  if (chars[k] === '-') k++
  const int = matchInteger(chars, k)
  if (!int) return undefined
  const overflow = BigInt(int.text) > MAX_INT64 ? int.text : undefined
  k = int.end
  if (chars[k] === '.' && /^[0-9]$/.test(chars[k + 1] ?? '')) {
    k += 2
    while (/^[0-9]$/.test(chars[k] ?? '')) k++
  }
  return { end: k, ...(overflow ? { overflow } : {}) }
}

/** Duration = (Number TimeUnit)+ */
function matchDuration(chars: readonly string[], i: number): { end: number; text: string; overflow?: string } | undefined {
  let k = i
  let parts = 0
  let overflow: string | undefined
  for (;;) {
    const n = matchNumber(chars, k)
    if (n === undefined) break
    // The Integer's own action ran (and failed) even when no unit follows.
    overflow ??= n.overflow
    const unit = TIME_UNITS.find((u) => chars.slice(n.end, n.end + [...u].length).join('') === u)
    if (!unit) break
    k = n.end + [...unit].length
    parts++
  }
  if (overflow) return { end: k, text: chars.slice(i, k).join(''), overflow }
  return parts ? { end: k, text: chars.slice(i, k).join('') } : undefined
}

/** Go's time.ParseDuration for the texts the grammar lets through; nanoseconds or an error text. */
function goParseDuration(s: string): bigint | string {
  const invalid = `time: invalid duration "${s}"`
  let sign = 1n
  let rest = s
  if (rest.startsWith('-')) {
    sign = -1n
    rest = rest.slice(1)
  }
  if (rest.includes('-')) return invalid
  let total = 0n
  const part = /^(\d+)(?:\.(\d+))?(ns|us|µs|ms|s|m|h)/u
  while (rest.length) {
    const m = part.exec(rest)
    if (!m) return invalid
    const unit = UNIT_NS[m[3] as (typeof TIME_UNITS)[number]]
    const whole = BigInt(m[1]!)
    let v = whole * unit
    if (m[2]) {
      // Go keeps the fraction's leading digits and truncates what a nanosecond cannot hold.
      const frac = m[2]
      v += (BigInt(frac) * unit) / 10n ** BigInt(frac.length)
    }
    total += v
    if (total > MAX_INT64) return invalid
    rest = rest.slice(m[0].length)
  }
  return sign * total
}

function matchOnOff(chars: readonly string[], i: number): { end: number; action: KeyAction } | undefined {
  const two = chars
    .slice(i, i + 2)
    .join('')
    .toLowerCase()
  if (two === 'on') return { end: i + 2, action: 'on' }
  const three = chars
    .slice(i, i + 3)
    .join('')
    .toLowerCase()
  if (three === 'off') return { end: i + 3, action: 'off' }
  return undefined
}

/** SpecialKey (first prefix match, case-insensitive), optional On/Off, then '>'. */
function matchSpecial(chars: readonly string[], i: number): { end: number; key: string; action: KeyAction } | undefined {
  const key = GRAMMAR_KEYS.find(
    (k) =>
      chars
        .slice(i, i + k.length)
        .join('')
        .toLowerCase() === k,
  )
  if (!key) return undefined
  let k = i + key.length
  const toggle = matchOnOff(chars, k)
  if (toggle) k = toggle.end
  if (chars[k] !== '>') return undefined
  return { end: k + 1, key, action: toggle?.action ?? 'press' }
}

/**
 * What Packer's config check refuses (a wait that is not positive), and what tsimg refuses
 * before anything is created because Packer's vSphere typing would fail there (`<menu>`,
 * `<leftMeta>`, `<rightMeta>`). Empty when the command is fine.
 */
export function validateBootCommand(command: string): BootCommandError[] {
  let seq: BootExpression[]
  try {
    seq = parseBootCommand(command)
  } catch (e) {
    return [e as BootCommandError]
  }
  const errors: BootCommandError[] = []
  let offset = 0
  for (const e of seq) {
    if (e.kind === 'wait' && e.ms <= 0) {
      errors.push(new BootCommandError(`Expecting a positive wait value. Got ${formatGoDuration(e.ms)} in ${e.text}`, offset))
    }
    if (e.kind === 'special' && SPECIAL_KEYS[e.key] === undefined) {
      errors.push(
        new BootCommandError(
          `<${e.key}> cannot be typed on vSphere: Packer's USB key map has no ${e.key} key (its build fails there with "special ${e.key} not found.")`,
          offset,
        ),
      )
    }
    offset += e.text.length
  }
  return errors
}

function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s'
  return `${ms / 1000}s`
}

/** One USB HID key event, as `UsbScanCodeSpecKeyEvent` carries it. */
export interface UsbKeyEvent {
  /** `(usage << 16) | 7`. */
  readonly usbHidCode: number
  readonly leftControl: boolean
  readonly leftAlt: boolean
  readonly leftShift: boolean
}

/** What typing a boot command does, in order: send one key event, or wait. */
export type TypingAction =
  | { readonly kind: 'key'; readonly event: UsbKeyEvent; readonly usage: number; readonly expression: string }
  | { readonly kind: 'wait'; readonly ms: number; readonly expression: string }

/** `(usage << 16) | 7`, as Packer's vSphere driver writes UsbHidCode. */
export function usbHidCode(usage: number): number {
  return ((usage << 16) | 7) >>> 0
}

/**
 * The key events and waits of a parsed boot command, as Packer's USB driver and its vSphere
 * sendCodes produce them (see the module comment for the modifier rules).
 */
export function typingPlan(seq: readonly BootExpression[]): TypingAction[] {
  let alt = false
  let ctrl = false
  let shiftHeld = false
  const out: TypingAction[] = []
  const send = (usage: number, down: boolean, expression: string): void => {
    if (usage === HID.leftAlt) alt = down
    else if (usage === HID.leftControl) ctrl = down
    else if (usage === HID.leftShift) shiftHeld = down
    out.push({ kind: 'key', usage, expression, event: { usbHidCode: usbHidCode(usage), leftControl: ctrl, leftAlt: alt, leftShift: down || shiftHeld } })
  }
  for (const e of seq) {
    if (e.kind === 'wait') out.push({ kind: 'wait', ms: e.ms, expression: e.text })
    else if (e.kind === 'literal') send(charUsage(e.char), charShifted(e.char), e.text)
    else {
      const usage = SPECIAL_KEYS[e.key]
      if (usage === undefined) throw new BootCommandError(`special ${e.key} not found.`, 0)
      send(usage, e.action === 'on', e.text)
    }
  }
  return out
}

/** The values `{{ .HTTPIP }}`, `{{ .HTTPPort }}` and `{{ .Name }}` stand for. */
export interface BootTemplateData {
  readonly HTTPIP?: string
  readonly HTTPPort?: number
  readonly Name: string
}

/**
 * Fills `{{ .HTTPIP }}`, `{{ .HTTPPort }}` and `{{ .Name }}` (Go template field syntax, spaces
 * optional) in a boot command; without an HTTP server the HTTP fields are empty, as in Packer.
 * Any other template action is an error naming it.
 */
export function renderBootCommand(command: string, data: BootTemplateData): string {
  return command.replace(/\{\{-?\s*([^}]*?)\s*-?\}\}/g, (whole, inner: string) => {
    const m = /^\.(HTTPIP|HTTPPort|Name)$/.exec(inner.trim())
    if (!m) throw new BootCommandError(`${whole} is not a boot command value: use {{ .HTTPIP }}, {{ .HTTPPort }} or {{ .Name }}`, command.indexOf(whole))
    const v = data[m[1] as keyof BootTemplateData]
    return v === undefined ? '' : String(v)
  })
}

/** Packer's key interval: boot_keygroup_interval when positive, else PACKER_KEY_INTERVAL, else 100ms. */
export function keyInterval(bootKeygroupIntervalMs: number | undefined, env: NodeJS.ProcessEnv = process.env, parse: (v: string) => number): number {
  if (bootKeygroupIntervalMs && bootKeygroupIntervalMs > 0) return bootKeygroupIntervalMs
  const fromEnv = env.PACKER_KEY_INTERVAL
  if (fromEnv) {
    try {
      return parse(fromEnv)
    } catch {
      // Packer ignores a value it cannot parse.
    }
  }
  return 100
}
