// Packer's single-dash spelling is rewritten for commander without touching option values.
import { describe, expect, it } from 'vitest'
import { normalizePackerFlags, parseBool, parseVarAssignment } from '../dist/cli/normalize-args.js'

describe('normalizePackerFlags', () => {
  it('rewrites Packer single-dash long flags to the double-dash form', () => {
    expect(
      normalizePackerFlags([
        'build',
        '-var',
        'a=1',
        '-var-file=v.json',
        '-only=docker.a,docker.b',
        '-except',
        'x',
        '-force',
        '-on-error=abort',
        '-debug',
        '-parallel-builds=2',
        '-timestamp-ui',
        '-machine-readable',
        '-color=false',
        'image.ts',
      ]),
    ).toEqual([
      'build',
      '--var',
      'a=1',
      '--var-file=v.json',
      '--only=docker.a,docker.b',
      '--except',
      'x',
      '--force',
      '--on-error=abort',
      '--debug',
      '--parallel-builds=2',
      '--timestamp-ui',
      '--machine-readable',
      '--color=false',
      'image.ts',
    ])
  })

  it('leaves double-dash flags, short flags, values and everything after -- alone', () => {
    expect(normalizePackerFlags(['build', '--var', 'x=1', '-h', 'image.ts'])).toEqual(['build', '--var', 'x=1', '-h', 'image.ts'])
    // The value of -var may itself look like a flag.
    expect(normalizePackerFlags(['build', '-var', '-debug', '-var-file', '-weird.json'])).toEqual(['build', '--var', '-debug', '--var-file', '-weird.json'])
    expect(normalizePackerFlags(['build', '--', '-debug'])).toEqual(['build', '--', '-debug'])
  })
})

describe('option values', () => {
  it('-var splits at the first =', () => {
    expect(parseVarAssignment('tags=a=b,c')).toEqual(['tags', 'a=b,c'])
    expect(parseVarAssignment('empty=')).toEqual(['empty', ''])
    expect(() => parseVarAssignment('=x')).toThrow(/name=value/)
    expect(() => parseVarAssignment('novalue')).toThrow(/name=value/)
  })

  it('-color accepts true/false spellings and rejects others', () => {
    expect(parseBool('false')).toBe(false)
    expect(parseBool('0')).toBe(false)
    expect(parseBool('TRUE')).toBe(true)
    expect(parseBool(true)).toBe(true)
    expect(() => parseBool('maybe')).toThrow(/true or false/)
  })
})
