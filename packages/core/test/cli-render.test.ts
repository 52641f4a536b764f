// The renderers fed with build events: the text a Packer user recognizes, and Packer's
// machine-readable lines.
import { describe, expect, it } from 'vitest'
import { formatDuration } from '../dist/ui/render-common.js'
import { machineLine } from '../dist/ui/render-machine.js'
import { MachineRenderer, TextRenderer } from '@tsimg/core/node'
import type { BuildEvent, RenderedBuild } from '@tsimg/core/node'

const T0 = Date.UTC(2026, 10, 21, 12, 0, 0)

function events(): BuildEvent[] {
  return [
    { type: 'build-start', build: 'docker.web', buildId: 'b1', time: T0 },
    { type: 'build-start', build: 'docker.db', buildId: 'b2', time: T0 },
    { type: 'ui', build: 'docker.web', level: 'say', text: 'Starting container...', time: T0 + 10 },
    { type: 'ui', build: 'docker.web', level: 'message', text: 'Container: 1a2b', time: T0 + 20 },
    { type: 'ui', build: 'docker.db', level: 'stdout', text: 'hello, world', time: T0 + 30 },
    { type: 'ui', build: 'docker.db', level: 'error', text: 'Step failed', time: T0 + 40 },
    { type: 'step-start', build: 'docker.web', step: 'docker:start', time: T0 + 50 },
    { type: 'build-end', build: 'docker.web', outcome: 'success', time: T0 + 12_340 },
    { type: 'build-end', build: 'docker.db', outcome: 'failed', error: 'exit status 3', time: T0 + 61_005 },
  ]
}

const builds: RenderedBuild[] = [
  {
    name: 'docker.web',
    outcome: 'success',
    artifacts: [{ builderType: 'docker', buildName: 'docker.web', id: 'sha256:abc', description: 'Imported Docker image: sha256:abc' }],
    leftovers: [],
    halted: false,
  },
  {
    name: 'docker.db',
    outcome: 'failed',
    error: new Error('exit status 3'),
    artifacts: [],
    leftovers: [
      { id: 'e1', plugin: '@tsimg/builder-docker', kind: 'container', description: 'container 9f9f (docker.db)', data: { id: '9f9f' }, createdAt: '' },
    ],
    halted: false,
  },
]

function text(options: Partial<ConstructorParameters<typeof TextRenderer>[0]> = {}): { r: TextRenderer; out: () => string } {
  let out = ''
  const r = new TextRenderer({ write: (t) => (out += t), color: false, timestamps: false, tty: false, ...options })
  return { r, out: () => out }
}

describe('text renderer', () => {
  it('prints Packer-shaped lines, build results and the summary', () => {
    const { r, out } = text()
    for (const e of events()) r.event(e)
    r.finish(builds, 61_010)
    r.close()
    expect(out()).toBe(
      [
        'docker.web: output will be in this color.',
        'docker.db: output will be in this color.',
        '==> docker.web: Starting container...',
        '    docker.web: Container: 1a2b',
        '    docker.db: hello, world',
        '==> docker.db: Step failed',
        "Build 'docker.web' finished after 12 seconds 340 milliseconds.",
        "Build 'docker.db' errored after 1 minute 1 second 5 milliseconds: exit status 3",
        '',
        '==> Wait completed after 1 minute 1 second 10 milliseconds',
        '',
        "==> Some builds didn't complete successfully and had errors:",
        '--> docker.db: exit status 3',
        '',
        '==> docker.db: These temporary resources could NOT be deleted and still exist:',
        '--> docker.db: container 9f9f (docker.db)',
        "==> Delete them by hand, or run 'tsimg cleanup' to delete them.",
        '',
        '==> Builds finished. The artifacts of successful builds are:',
        '--> docker.web: Imported Docker image: sha256:abc',
        '',
      ].join('\n'),
    )
  })

  it('says when no artifacts were created', () => {
    const { r, out } = text()
    r.finish([{ ...builds[1]!, leftovers: [] }], 5)
    expect(out()).toContain('\n==> Builds finished but no artifacts were created.\n')
  })

  it('colors each build differently and errors in red when color is on', () => {
    const { r, out } = text({ color: true })
    for (const e of events()) r.event(e)
    const lines = out().split('\n')
    const web = lines.find((l) => l.includes('docker.web: Starting'))!
    const db = lines.find((l) => l.includes('docker.db: hello'))!
    expect(web).toMatch(/\x1b\[32m/) // green for the first build
    expect(db).toMatch(/\x1b\[36m/) // cyan for the second
    expect(lines.find((l) => l.includes('Step failed'))).toMatch(/\x1b\[31m/)
  })

  it('-timestamp-ui prefixes each line with the event time in RFC 3339', () => {
    const { r, out } = text({ timestamps: true })
    r.event(events()[2]!)
    expect(out()).toBe('2026-11-21T12:00:00Z: ==> docker.web: Starting container...\n')
  })

  it('on a TTY shows elapsed time of a long wait on one line and clears it', () => {
    let now = T0
    const { r, out } = text({ tty: true, waitThresholdMs: 1000, now: () => now })
    r.event({ type: 'wait-start', build: 'docker.web', text: 'Waiting for SSH', time: T0 })
    expect(out()).toBe('')
    now = T0 + 3_500
    r.event({ type: 'ui', build: 'docker.web', level: 'message', text: 'still trying', time: now })
    expect(out()).toBe('    docker.web: still trying\n    docker.web: Waiting for SSH (3s)')
    r.event({ type: 'wait-end', build: 'docker.web', text: 'Waiting for SSH', time: now })
    r.event({ type: 'ui', build: 'docker.web', level: 'say', text: 'Connected to SSH!', time: now })
    expect(out()).toBe('    docker.web: still trying\n    docker.web: Waiting for SSH (3s)\r\x1b[2K==> docker.web: Connected to SSH!\n')
    r.close()
  })

  it('never draws a status line when not on a TTY', () => {
    let now = T0
    const { r, out } = text({ tty: false, waitThresholdMs: 0, now: () => now })
    r.event({ type: 'wait-start', build: 'docker.web', text: 'Waiting for SSH', time: T0 })
    now += 5000
    r.event({ type: 'ui', build: 'docker.web', level: 'say', text: 'x', time: now })
    expect(out()).toBe('==> docker.web: x\n')
  })
})

describe('machine-readable renderer', () => {
  it('prints timestamp,target,type,data with Packer escaping', () => {
    let out = ''
    const r = new MachineRenderer({ write: (t) => (out += t), now: () => T0 })
    for (const e of events()) r.event(e)
    r.finish(builds, 1000)
    const lines = out.trimEnd().split('\n')
    const ts = String(T0 / 1000)
    expect(lines).toContain(`${ts},,ui,say,==> docker.web: Starting container...`)
    expect(lines).toContain(`${ts},,ui,message,    docker.db: hello%!(PACKER_COMMA) world`)
    expect(lines).toContain(`${ts},,ui,error,==> docker.db: Step failed`)
    expect(lines).toContain(`${String(Math.floor((T0 + 61_005) / 1000))},docker.db,error,exit status 3`)
    expect(lines).toContain(`${String(Math.floor((T0 + 12_340) / 1000))},,ui,say,Build 'docker.web' finished after 12 seconds 340 milliseconds.`)
    expect(lines).toContain(
      `${String(Math.floor((T0 + 61_005) / 1000))},,ui,error,Build 'docker.db' errored after 1 minute 1 second 5 milliseconds: exit status 3`,
    )
    expect(lines).toContain(`${ts},,error-count,1`)
    expect(lines).toContain(`${ts},,ui,say,\\n==> Builds finished. The artifacts of successful builds are:`)
    expect(lines).toContain(`${ts},docker.web,artifact-count,1`)
    expect(lines).toContain(`${ts},docker.web,artifact,0,builder-id,docker`)
    expect(lines).toContain(`${ts},docker.web,artifact,0,id,sha256:abc`)
    expect(lines).toContain(`${ts},docker.web,artifact,0,string,Imported Docker image: sha256:abc`)
    expect(lines).toContain(`${ts},docker.web,artifact,0,files-count,0`)
    expect(lines).toContain(`${ts},docker.web,artifact,0,end`)
    expect(lines).toContain(`${ts},docker.db,leftover,@tsimg/builder-docker,container,container 9f9f (docker.db)`)
    for (const line of lines) expect(line.split(',').length).toBeGreaterThanOrEqual(3)
  })

  it('escapes commas and newlines in every field', () => {
    expect(machineLine(T0, 'a.b', 'ui', 'say', 'x,y\nz\r')).toBe(`${T0 / 1000},a.b,ui,say,x%!(PACKER_COMMA)y\\nz\\r\n`)
  })
})

describe('formatDuration', () => {
  it.each([
    [0, '0 milliseconds'],
    [1, '1 millisecond'],
    [12_340, '12 seconds 340 milliseconds'],
    [3_600_000 + 60_000 + 2_000, '1 hour 1 minute 2 seconds'],
  ])('%d ms -> %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected)
  })
})
