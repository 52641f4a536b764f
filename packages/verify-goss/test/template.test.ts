// goss's Go text/template subset: values, pipelines, control flow, functions, trimming, and the
// map from rendered lines back to gossfile lines that every later error relies on.
import { describe, expect, it } from 'vitest'
import { renderTemplate, TemplateExecError, TemplateSyntaxError } from '@tsimg/verify-goss'

const dot = {
  Vars: { ip: '10.0.0.5', cpus: 4, mem: 4030000, ratio: 0.5, users: ['alice', 'bob'], os: { debian: { kernel: ['6.1', '6.2'] } }, empty: [] },
  Env: { OS: 'debian', HOME: '/root' },
}
const render = (src: string) => renderTemplate(src, { dot }).text

describe('renderTemplate', () => {
  it('prints vars, env, numbers as Go prints them, and lists and maps as %v', () => {
    expect(render('a: {{ .Vars.ip }}\nb: {{.Env.OS}}\nc: {{ .Vars.cpus }} {{ .Vars.mem }} {{ .Vars.ratio }}\n')).toBe(
      'a: 10.0.0.5\nb: debian\nc: 4 4030000 0.5\n',
    )
    expect(render('{{ .Vars.users }} {{ .Vars.os.debian }}')).toBe('[alice bob] map[kernel:[6.1 6.2]]')
  })

  it('runs pipelines, function calls, parentheses and goss/Sprig functions', () => {
    expect(render('{{ "hello!" | upper | repeat 2 }}')).toBe('HELLO!HELLO!')
    expect(render('{{ .Env.OS | toUpper }} {{ toLower "ABC" }} {{ printf "%s-%03d" "x" 7 }}')).toBe('DEBIAN abc x-007')
    expect(render('{{ if .Env.OS | regexMatch "^deb" }}yes{{ end }}')).toBe('yes')
    expect(render('{{ index .Vars.os .Env.OS "kernel" }}')).toBe('[6.1 6.2]')
    expect(render('{{ len (index .Vars "users") }} {{ default "none" .Vars.empty }}')).toBe('2 none')
    expect(render('{{ range mkSlice "/etc/passwd" "/etc/group" }}{{ . }};{{ end }}')).toBe('/etc/passwd;/etc/group;')
    expect(render('{{ $m := findStringSubmatch "(?P<user>[a-z]+)@(?P<host>[a-z]+)" "bob@box" }}{{ get $m "host" }}')).toBe('box')
  })

  it('runs if / else if / else, range with key and value (maps in sorted key order), with, variables', () => {
    const src =
      '{{ if eq .Env.OS "centos" }}c{{ else if eq .Env.OS "debian" }}d{{ else }}x{{ end }}|' +
      '{{ range $i, $u := .Vars.users }}{{ $i }}={{ $u }} {{ end }}|' +
      '{{ range $k, $v := .Vars.os }}{{ $k }}:{{ len $v.kernel }}{{ end }}|' +
      '{{ with .Vars.ip }}{{ . }}{{ end }}{{ range .Vars.empty }}never{{ else }}none{{ end }}|' +
      '{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}'
    expect(render(src)).toBe('d|0=alice 1=bob |debian:2|10.0.0.5none|2')
  })

  it('evaluates and/or lazily, as Go does: an argument after the deciding one is never looked up', () => {
    expect(render('{{ if and (hasKey .Vars "nope") .Vars.nope.deeper }}y{{ else }}n{{ end }}')).toBe('n')
    expect(render('{{ or .Vars.ip .Vars.nope }}')).toBe('10.0.0.5')
    expect(() => render('{{ and .Vars.ip .Vars.nope }}')).toThrow(/no entry for key "nope"/)
  })

  it('required and fail stop the rendering with their message', () => {
    expect(render('{{ required "ip needed" .Vars.ip }}')).toBe('10.0.0.5')
    expect(() => render('{{ required "users needed" .Vars.empty }}')).toThrow(/error calling required: users needed/)
    expect(() => render('{{ if ne .Env.OS "debian" }}{{ fail "debian only" }}{{ end }}ok')).not.toThrow()
    expect(render('{{ kindOf .Vars.users }} {{ kindOf .Vars.cpus }} {{ sha256sum "abc" | trunc 8 }}')).toBe('slice int ba7816bf')
  })

  it('trims whitespace around {{- and -}} and drops comments', () => {
    expect(render('file:\n{{- range .Vars.users }}\n  /home/{{ . }}: {}\n{{- end }}\n{{/* a comment */}}x')).toBe(
      'file:\n  /home/alice: {}\n  /home/bob: {}\nx',
    )
  })

  it('maps each rendered line to the template line it came from, also after loops add lines', () => {
    const src = 'a: 1\n{{ range .Vars.users }}\nuser_{{ . }}: 1\n{{ end }}\nlast: {{ .Vars.ip }}\n'
    const r = renderTemplate(src, { dot })
    const lines = r.text.split('\n')
    const last = lines.findIndex((l) => l.startsWith('last:'))
    expect(r.lineMap[last]).toBe(5)
    expect(r.lineMap[lines.findIndex((l) => l === 'user_bob: 1')]).toBe(3)
    expect(r.lineMap[0]).toBe(1)
  })

  it('fails on a missing key as goss does (missingkey=error), naming the line', () => {
    let err: unknown
    try {
      render('a: 1\nb: {{ .Vars.nope }}\n')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(TemplateExecError)
    expect((err as TemplateExecError).line).toBe(2)
    expect((err as Error).message).toContain('map has no entry for key "nope"')
    expect(() => render('{{ .Env.UNSET_VARIABLE }}')).toThrow(/no entry for key "UNSET_VARIABLE"/)
  })

  it('rejects unknown functions and bad syntax with the line', () => {
    expect(() => render('x\n{{ frobnicate 1 }}')).toThrow(/function "frobnicate" not defined/)
    let err: unknown
    try {
      render('a\nb\n{{ if true }}open')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(TemplateSyntaxError)
    expect((err as Error).message).toMatch(/no \{\{end\}\}/)
    expect(() => render('{{ template "x" }}')).toThrow(/not supported/)
  })
})
