import { describe, expect, it } from 'vitest'
import { parseBootCommand, renderBootCommand, typingPlan, usbHidCode, validateBootCommand, type TypingAction } from '../dist/iso/boot-command.js'
import { typeBootCommand } from '../dist/iso/type-keys.js'

/** Key events of a command as [usage, ctrl, alt, shift], waits as ['wait', ms]. */
function events(command: string): Array<[number, boolean, boolean, boolean] | ['wait', number]> {
  return typingPlan(parseBootCommand(command)).map((a: TypingAction) =>
    a.kind === 'wait' ? ['wait', a.ms] : [a.event.usbHidCode >>> 16, a.event.leftControl, a.event.leftAlt, a.event.leftShift],
  )
}

// USB HID usage ids from the HID Usage Tables (keyboard page 0x07), written out by hand.
describe('boot command to USB HID usages', () => {
  it('encodes UsbHidCode as (usage << 16) | 7, as the vSphere driver does', () => {
    expect(usbHidCode(0x04)).toBe(0x00040007)
    expect(usbHidCode(0x28)).toBe(2621447)
    expect(usbHidCode(0xe1)).toBe(0x00e10007)
  })

  it('types letters, digits and punctuation with the US usages and Shift where Packer shifts', () => {
    expect(events('aZ09')).toEqual([
      [0x04, false, false, false],
      [0x1d, false, false, true],
      [0x27, false, false, false],
      [0x26, false, false, false],
    ])
    // ks=hd:fd0:/7/ks.cfg — ':' is Shift+';' (0x33), '/' is 0x38, '.' 0x37, '=' 0x2e.
    expect(events('s=h:/.')).toEqual([
      [0x16, false, false, false],
      [0x2e, false, false, false],
      [0x0b, false, false, false],
      [0x33, false, false, true],
      [0x38, false, false, false],
      [0x37, false, false, false],
    ])
    expect(events('!@)_+{}|"~<>?-[]\\\';`, ')).toEqual([
      [0x1e, false, false, true],
      [0x1f, false, false, true],
      [0x27, false, false, true],
      [0x2d, false, false, true],
      [0x2e, false, false, true],
      [0x2f, false, false, true],
      [0x30, false, false, true],
      [0x31, false, false, true],
      [0x34, false, false, true],
      [0x35, false, false, true],
      [0x36, false, false, true],
      [0x37, false, false, true],
      [0x38, false, false, true],
      [0x2d, false, false, false],
      [0x2f, false, false, false],
      [0x30, false, false, false],
      [0x31, false, false, false],
      [0x34, false, false, false],
      [0x33, false, false, false],
      [0x35, false, false, false],
      [0x36, false, false, false],
      [0x2c, false, false, false],
    ])
  })

  it('types the special keys with their usages, case-insensitively', () => {
    const keys: Array<[string, number]> = [
      ['<enter>', 0x28],
      ['<return>', 0x28],
      ['<esc>', 0x29],
      ['<bs>', 0x2a],
      ['<tab>', 0x2b],
      ['<spacebar>', 0x2c],
      ['<f1>', 0x3a],
      ['<f2>', 0x3b],
      ['<f9>', 0x42],
      ['<f10>', 0x43],
      ['<f11>', 0x44],
      ['<f12>', 0x45],
      ['<insert>', 0x49],
      ['<home>', 0x4a],
      ['<pageUp>', 0x4b],
      ['<del>', 0x4c],
      ['<end>', 0x4d],
      ['<pageDown>', 0x4e],
      ['<right>', 0x4f],
      ['<left>', 0x50],
      ['<down>', 0x51],
      ['<up>', 0x52],
      ['<leftCtrl>', 0xe0],
      ['<leftShift>', 0xe1],
      ['<leftAlt>', 0xe2],
      ['<leftSuper>', 0xe3],
      ['<rightCtrl>', 0xe4],
      ['<rightShift>', 0xe5],
      ['<rightAlt>', 0xe6],
      ['<rightSuper>', 0xe7],
      ['<ENTER>', 0x28],
      ['<Esc>', 0x29],
      ['<F5>', 0x3e],
    ]
    for (const [text, usage] of keys) expect(events(text), text).toEqual([[usage, false, false, false]])
  })

  it('holds Ctrl, Alt and Shift between On and Off, and marks every On event with Shift as Packer does', () => {
    // ctrl+alt+del: each On sends its key with Shift set (Packer passes "down" as Shift).
    expect(events('<leftCtrlOn><leftAltOn><del><leftAltOff><leftCtrlOff>')).toEqual([
      [0xe0, true, false, true],
      [0xe2, true, true, true],
      [0x4c, true, true, false],
      [0xe2, true, false, false],
      [0xe0, false, false, false],
    ])
    expect(events('<leftShiftOn>ab<leftShiftOff>c')).toEqual([
      [0xe1, false, false, true],
      [0x04, false, false, true],
      [0x05, false, false, true],
      [0xe1, false, false, false],
      [0x06, false, false, false],
    ])
    // Right-hand modifiers are keys that hold nothing.
    expect(events('<rightShiftOn>a<rightShiftOff>')).toEqual([
      [0xe5, false, false, true],
      [0x04, false, false, false],
      [0xe5, false, false, false],
    ])
    // <cOn>/<cOff> on a character types it once per expression (Packer's USB driver ignores the toggle).
    expect(events('<cOn><cOff>')).toEqual([
      [0x06, false, false, false],
      [0x06, false, false, false],
    ])
  })

  it('reads <wait>, <waitN> and <waitDURATION> as Packer does, and anything else in <> as text', () => {
    expect(events('<wait>')).toEqual([['wait', 1000]])
    expect(events('<wait5>')).toEqual([['wait', 5000]])
    expect(events('<wait10>')).toEqual([['wait', 10000]])
    expect(events('<wait2s>')).toEqual([['wait', 2000]])
    expect(events('<wait1m20s>')).toEqual([['wait', 80000]])
    expect(events('<wait1.5s>')).toEqual([['wait', 1500]])
    expect(events('<wait250ms>')).toEqual([['wait', 250]])
    // Not a wait (Integer has no leading zero; "Wait" is case-sensitive): typed as characters.
    expect(parseBootCommand('<wait05>').map((e) => e.text)).toEqual(['<', 'w', 'a', 'i', 't', '0', '5', '>'])
    expect(parseBootCommand('<Wait>').map((e) => e.kind)).toEqual(Array(6).fill('literal'))
    expect(
      parseBootCommand('<foo>')
        .map((e) => e.text)
        .join(''),
    ).toBe('<foo>')
    expect(parseBootCommand('a<').map((e) => e.text)).toEqual(['a', '<'])
  })

  it('parses the seed 003 boot commands into the expressions Packer makes', () => {
    const centos = '<tab> text ks=hd:fd0:/HTTP/7/ks.cfg<enter><wait>'
    const seq = parseBootCommand(centos)
    expect(seq[0]).toMatchObject({ kind: 'special', key: 'tab', action: 'press' })
    expect(seq.at(-2)).toMatchObject({ kind: 'special', key: 'enter' })
    expect(seq.at(-1)).toMatchObject({ kind: 'wait', ms: 1000 })
    expect(
      seq
        .filter((e) => e.kind === 'literal')
        .map((e) => (e.kind === 'literal' ? e.char : ''))
        .join(''),
    ).toBe(' text ks=hd:fd0:/HTTP/7/ks.cfg')
    const photon = renderBootCommand('<esc><wait> vmlinuz initrd=initrd.img ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/3/ks.json<enter><wait>', {
      HTTPIP: '127.0.0.1',
      HTTPPort: 8123,
      Name: 'photon',
    })
    expect(photon).toBe('<esc><wait> vmlinuz initrd=initrd.img ks=http://127.0.0.1:8123/3/ks.json<enter><wait>')
    expect(events(photon).slice(0, 3)).toEqual([
      [0x29, false, false, false],
      ['wait', 1000],
      [0x2c, false, false, false],
    ])
  })

  it('renders {{ .HTTPIP }}, {{ .HTTPPort }} and {{ .Name }}, empty without an HTTP server, and refuses other actions', () => {
    expect(renderBootCommand('{{.Name}} {{ .HTTPIP }}:{{ .HTTPPort }}', { Name: 'vm1' })).toBe('vm1 :')
    expect(() => renderBootCommand('{{ .Foo }}', { Name: 'x' })).toThrow(/not a boot command value/)
  })

  it('refuses what Packer refuses (a wait that is not positive, a duration Go cannot read) and keys its vSphere driver cannot type', () => {
    expect(validateBootCommand('<tab> text<enter><wait5>')).toEqual([])
    expect(validateBootCommand('<wait0>')[0]?.message).toMatch(/Expecting a positive wait value. Got 0s/)
    expect(validateBootCommand('<wait-1s>')[0]?.message).toMatch(/positive wait value/)
    expect(validateBootCommand('<wait1s-1s>')[0]?.message).toMatch(/time: invalid duration "1s-1s"/)
    // Packer's parser fails on an action error even where the rule then does not match.
    expect(validateBootCommand('x<wait1s-1s')[0]?.message).toMatch(/invalid duration/)
    expect(validateBootCommand('<wait99999999999999999999>')[0]?.message).toMatch(/out of range/)
    const menu = validateBootCommand('ab<menu>')
    expect(menu[0]?.message).toMatch(/<menu> cannot be typed on vSphere/)
    expect(menu[0]?.offset).toBe(2)
    expect(validateBootCommand('<leftMeta>')[0]?.message).toMatch(/special leftmeta not found/)
  })
})

describe('typing a boot command', () => {
  it('sends one event per key with the key interval after each, waits where the command waits, and retries a failed event once', async () => {
    const log: string[] = []
    let failNext = true
    const sent = await typeBootCommand('a<wait2s><enter>', {
      signal: new AbortController().signal,
      keyIntervalMs: 100,
      retryPauseMs: 7,
      sleep: async (ms) => void log.push(`sleep ${ms}`),
      onRetry: (e) => log.push(`retry after ${(e as Error).message}`),
      put: async (event) => {
        if (event.usbHidCode === usbHidCode(0x28) && failNext) {
          failNext = false
          log.push('put enter: fault')
          throw new Error('SystemError')
        }
        log.push(`put ${(event.usbHidCode >>> 16).toString(16)}`)
        return 1
      },
    })
    expect(sent).toBe(2)
    expect(log).toEqual(['put 4', 'sleep 100', 'sleep 2000', 'put enter: fault', 'retry after SystemError', 'sleep 7', 'put 28', 'sleep 100'])
  })

  it('fails when the retry fails too, and stops at the cancel without sending more', async () => {
    const puts: number[] = []
    await expect(
      typeBootCommand('ab', {
        signal: new AbortController().signal,
        keyIntervalMs: 0,
        retryPauseMs: 0,
        sleep: async () => {},
        put: async () => Promise.reject(new Error('InvalidState')),
      }),
    ).rejects.toThrow('InvalidState')
    const ac = new AbortController()
    await expect(
      typeBootCommand('abc', {
        signal: ac.signal,
        keyIntervalMs: 0,
        retryPauseMs: 0,
        sleep: async () => {},
        put: async (e) => {
          puts.push(e.usbHidCode >>> 16)
          if (puts.length === 2) ac.abort(new Error('cancelled'))
          return 1
        },
      }),
    ).rejects.toThrow('cancelled')
    expect(puts).toEqual([4, 5])
  })
})
