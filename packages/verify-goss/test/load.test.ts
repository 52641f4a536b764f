// Reading gossfiles: includes by glob relative to the including file, template variables from
// vars_file / vars_inline / env, goss's defaults, and an error naming file:line and key for
// anything tsimg would otherwise not interpret.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GossfileError, loadGossfile, renderSuite, type GossSuite } from '@tsimg/verify-goss'

const __dirname = dirname(fileURLToPath(import.meta.url))
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tsimg-goss-load-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function write(name: string, text: string): Promise<string> {
  const p = join(dir, name)
  await mkdir(join(p, '..'), { recursive: true })
  await writeFile(p, text)
  return p
}

async function loadError(file: string, opts = {}): Promise<GossfileError> {
  try {
    await loadGossfile(file, opts)
  } catch (e) {
    if (e instanceof GossfileError) return e
    throw e
  }
  throw new Error('expected a GossfileError')
}

const find = (s: GossSuite, type: string, id: string) => s.checks.find((c) => c.type === type && c.id === id)

describe('loadGossfile', () => {
  it('applies goss defaults: the id as what is probed, command timeout 10 s, addr/dns 500 ms, http 5 s GET, mount 1 s', async () => {
    const f = await write(
      'defaults.yaml',
      [
        'command:',
        '  echo hi:',
        '    exit-status: 0',
        '  named:',
        '    exec: "true"',
        '    exit-status: 0',
        '    timeout: 0',
        'addr:',
        '  tcp://127.0.0.1:22:',
        '    reachable: true',
        'dns:',
        '  localhost:',
        '    resolvable: true',
        'http:',
        '  http://127.0.0.1/:',
        '    status: 200',
        'mount:',
        '  /:',
        '    exists: true',
        'service:',
        '  sshd:',
        '    name: ssh',
        '    running: true',
      ].join('\n'),
    )
    const s = await loadGossfile(f)
    expect(find(s, 'command', 'echo hi')).toMatchObject({ target: 'echo hi', options: { timeout: 10000 }, skip: false })
    expect(find(s, 'command', 'named')).toMatchObject({ target: 'true', options: { timeout: 10000 } })
    expect(find(s, 'addr', 'tcp://127.0.0.1:22')!.options).toMatchObject({ timeout: 500 })
    expect(find(s, 'dns', 'localhost')!.options).toMatchObject({ timeout: 500, server: '' })
    expect(find(s, 'http', 'http://127.0.0.1/')!.options).toMatchObject({ timeout: 5000, method: 'GET', 'allow-insecure': false, 'no-follow-redirects': false })
    expect(find(s, 'mount', '/')!.options).toMatchObject({ timeout: 1000 })
    expect(find(s, 'service', 'sshd')).toMatchObject({ target: 'ssh' })
    expect(find(s, 'command', 'echo hi')!.where.line).toBe(2)
  })

  it('includes gossfiles by glob relative to the including file, sorted, later ones overriding the same id, skipped ones not read', async () => {
    await write('inc/d/a.yaml', 'file:\n  /etc/a:\n    exists: true\n  /etc/shared:\n    exists: false\n')
    await write('inc/d/b.yaml', 'file:\n  /etc/b:\n    exists: true\n  /etc/shared:\n    exists: true\n')
    await write('inc/skipped.yaml', 'not valid: [\n')
    const top = await write(
      'inc/top.yaml',
      'gossfile:\n  d/*.yaml: {}\n  never:\n    file: skipped.yaml\n    skip: true\nfile:\n  /etc/shared:\n    mode: "0644"\n    exists: true\n',
    )
    const s = await loadGossfile(top)
    expect(s.files.map((f) => f.slice(dir.length))).toEqual(['/inc/top.yaml', '/inc/d/a.yaml', '/inc/d/b.yaml'])
    expect(s.checks.map((c) => c.id)).toEqual(['/etc/a', '/etc/b', '/etc/shared'])
    const shared = find(s, 'file', '/etc/shared')!
    expect(shared.where.file).toBe(join(dir, 'inc/d/b.yaml'))
    expect(shared.attributes.map((a) => [a.name, a.value])).toEqual([['exists', true]])
  })

  it('an include loop (a glob matching its own file) is an error naming the chain', async () => {
    await write('loop/other.yaml', 'gossfile:\n  main.yaml: {}\n')
    const main = await write('loop/main.yaml', 'gossfile:\n  "*.yaml": {}\nfile:\n  /etc/x:\n    exists: true\n')
    const e = await loadError(main)
    expect(e.message).toMatch(/includes main\.yaml again \(main\.yaml -> main\.yaml\)/)
    expect(e.line).toBe(2)
  })

  it('an include that matches nothing is an error at its line', async () => {
    const top = await write('noinc.yaml', 'file:\n  /etc/x:\n    exists: true\ngossfile:\n  missing/*.yaml: {}\n')
    const e = await loadError(top)
    expect(e.message).toContain('noinc.yaml:5')
    expect(e.message).toContain('no matched files were found')
  })

  it('renders {{ .Vars.x }} from vars_file, with vars_inline winning per key, and {{ .Env.X }}', async () => {
    const vars = await write('vars.yaml', 'ip_address: 10.1.1.1\ncpu_core_number: 2\n')
    const f = await write(
      'vars-goss.yaml',
      'http:\n  http://{{ .Vars.ip_address }}/x:\n    status: 200\nmatching:\n  cpus:\n    content: {{ .Vars.cpu_core_number }}\n    matches:\n      gt: 1\n  home:\n    content: {{ .Env.GOSS_HOME }}\n    matches: /home/x\n',
    )
    const s = await loadGossfile(f, { varsFile: vars, varsInline: '{"ip_address": "10.2.2.2"}', env: { GOSS_HOME: '/home/x' } })
    expect(find(s, 'http', 'http://10.2.2.2/x')).toBeDefined()
    expect(find(s, 'matching', 'cpus')!.options.content).toBe(2)
    expect(find(s, 'matching', 'home')!.options.content).toBe('/home/x')
    expect(s.vars).toEqual({ ip_address: '10.2.2.2', cpu_core_number: 2 })
  })

  it('names file, line and key for an unknown resource type', async () => {
    const f = await write('badtype.yaml', 'file:\n  /etc/x:\n    exists: true\nservices:\n  sshd:\n    running: true\n')
    const e = await loadError(f)
    expect(e).toMatchObject({ line: 4, key: 'services' })
    expect(e.message).toBe(`${f}:4: services: unknown resource type`)
  })

  it('names file, line and key for an unknown attribute, after a template changed the lines above', async () => {
    const f = await write(
      'badattr.yaml',
      'package:\n{{- range mkSlice "a" "b" "c" }}\n  {{ . }}:\n    installed: true\n{{- end }}\nservice:\n  sshd:\n    enabled: true\n    runing: true\n',
    )
    const e = await loadError(f)
    expect(e).toMatchObject({ line: 9, key: 'service.sshd.runing' })
    expect(e.hint).toContain('running')
  })

  it('names file, line and key for an unknown matcher, deep inside and/not', async () => {
    const f = await write(
      'badmatcher.yaml',
      'command:\n  x:\n    exit-status: 0\n    stdout:\n      and:\n        - contain-substring: a\n        - not:\n            looks-like: b\n',
    )
    const e = await loadError(f)
    expect(e).toMatchObject({ line: 8, key: 'command.x.stdout.and[1].not.looks-like' })
    expect(e.message).toContain('Unknown matcher: looks-like')
  })

  it('rejects two matchers at one level, a bad argument type, a missing required attribute and a bad regex pattern', async () => {
    const two = await loadError(await write('two.yaml', 'file:\n  /x:\n    exists: true\n    mode:\n      have-prefix: "0"\n      have-suffix: "4"\n'))
    expect(two.message).toContain('only one matcher is allowed')
    const arg = await loadError(await write('arg.yaml', 'file:\n  /x:\n    exists: true\n    owner:\n      have-prefix: [a]\n'))
    expect(arg.message).toContain(`Invalid 'have-prefix' argument. Expected string value`)
    const req = await loadError(await write('req.yaml', 'file:\n  /x:\n    mode: "0644"\n'))
    expect(req).toMatchObject({ line: 2, key: 'file./x' })
    expect(req.message).toContain('missing required attribute "exists"')
    const ungreedy = await loadError(await write('ungreedy.yaml', 'command:\n  x:\n    exit-status: 0\n    stdout:\n      match-regexp: "(?U)a+"\n'))
    expect(ungreedy.message).toContain('(?U) has no JavaScript equivalent')
    const re = await loadError(await write('re.yaml', 'command:\n  x:\n    exit-status: 0\n    stdout:\n      - ok\n      - /lb-(.*-443/\n'))
    expect(re).toMatchObject({ line: 6, key: 'command.x.stdout[1]' })
  })

  it('rejects an unquoted mode such as 0644, which goss reads as octal 420 and tsimg would read as 644', async () => {
    const e = await loadError(await write('octal.yaml', 'file:\n  /etc/passwd:\n    exists: true\n    mode: 0644\n'))
    expect(e).toMatchObject({ line: 4, key: 'file./etc/passwd.mode' })
    expect(e.message).toContain('octal number 420')
    expect(e.hint).toBe('quote it: "0644"')
    const ok = await loadGossfile(await write('quoted.yaml', 'file:\n  /etc/passwd:\n    exists: true\n    mode: "0644"\n    size: 0\n'))
    expect(ok.checks[0]!.attributes.map((a) => a.value)).toEqual([true, '0644', 0])
  })

  it('an empty pattern list (stderr: [], contents: []) is not checked, as in goss, and is warned about with its line', async () => {
    const s = await loadGossfile(
      await write(
        'empty.yaml',
        'command:\n  x:\n    exit-status: 0\n    stderr: []\n    stdout: ""\nfile:\n  /etc/hosts:\n    exists: true\n    contents: []\n',
      ),
    )
    expect(s.checks.map((c) => c.attributes.map((a) => a.name))).toEqual([['exit-status', 'stdout'], ['exists']])
    expect(s.warnings).toEqual([
      `${join(dir, 'empty.yaml')}:4: x: command.stderr is an empty list, which asserts nothing and always passes. Use "" to assert empty content, or remove it.`,
      `${join(dir, 'empty.yaml')}:9: /etc/hosts: file.contents is an empty list, which asserts nothing and always passes. Use "" to assert empty content, or remove it.`,
    ])
  })

  it('rejects gjson syntax tsimg does not read (modifiers, wildcards) at its line', async () => {
    const e = await loadError(
      await write(
        'gjson.yaml',
        'command:\n  x:\n    exit-status: 0\n    stdout:\n      gjson:\n        items.#.name: {have-len: 1}\n        "items|@reverse": {have-len: 1}\n',
      ),
    )
    expect(e).toMatchObject({ line: 7, key: 'command.x.stdout.gjson.items|@reverse' })
    expect(e.message).toContain('is not interpreted by tsimg')
  })

  it('reads image-builder-shaped files: anchors held by top-level keys, merge keys, loops over .Vars by OS and provider, semverCompare', async () => {
    const dirIb = join(__dirname, 'fixtures', 'ib-like')
    const s = await loadGossfile(join(dirIb, 'goss.yaml'), { varsFile: join(dirIb, 'vars.yaml'), varsInline: { OS: 'debian', PROVIDER: 'docker' } })
    // includes merge sorted by name: goss-command.yaml before goss-package.yaml
    expect(s.checks.map((c) => `${c.type}:${c.id}`)).toEqual([
      'command:runtime v1',
      'command:sshd -V',
      'package:openssh-server',
      'package:openssh-client',
      'package:passwd',
      'package:python3',
      'package:sudo',
      'package:openssh-sftp-server',
    ])
    const client = s.checks[3]!
    // the merged versions attribute keeps the line where the anchor wrote it
    expect(client.attributes.map((a) => [a.name, a.where.line])).toEqual([
      ['installed', 11],
      ['versions', 2],
    ])
    expect(client.attributes[1]!.value).toEqual({ 'contain-element': { 'match-regexp': '^\\Q1:9.\\E' } })
    const v2 = await loadGossfile(join(dirIb, 'goss.yaml'), {
      varsFile: join(dirIb, 'vars.yaml'),
      varsInline: { OS: 'debian', PROVIDER: 'docker', runtime_version: '2.1.0' },
    })
    expect(v2.checks.some((c) => c.id === 'runtime v2 config')).toBe(true)
    const bad = await loadError(join(dirIb, 'goss.yaml'), {
      varsFile: join(dirIb, 'vars.yaml'),
      varsInline: { OS: 'debian', PROVIDER: 'docker', runtime_version: '' },
    })
    expect(bad.message).toContain('error calling semverCompare: Invalid Semantic Version')
    const noProvider = await loadError(join(dirIb, 'goss.yaml'), { varsFile: join(dirIb, 'vars.yaml'), varsInline: { OS: 'debian', PROVIDER: 'cloud' } })
    expect(noProvider.message).toContain('error calling index: index of untyped nil')
  })

  it('an unknown top-level key is still an error when it holds no anchor that is used', async () => {
    const e = await loadError(await write('anchor-unused.yaml', 'common: &common\n  installed: true\npackage:\n  sudo:\n    installed: true\n'))
    expect(e).toMatchObject({ line: 1, key: 'common' })
  })

  it('an empty optional attribute is as if left out, as goss checks versions only when not nil; an empty required one is an error', async () => {
    const s = await loadGossfile(
      await write(
        'empty-optional.yaml',
        'cni: &cni\n  versions:\npackage:\n  kubelet:\n    installed: true\n    versions:\n  kubernetes-cni:\n    installed: true\n    <<: *cni\n',
      ),
    )
    expect(s.checks.map((c) => [c.id, c.attributes.map((a) => a.name)])).toEqual([
      ['kubelet', ['installed']],
      ['kubernetes-cni', ['installed']],
    ])
    const e = await loadError(await write('empty-required.yaml', 'package:\n  kubelet:\n    installed:\n'))
    expect(e).toMatchObject({ line: 3, key: 'package.kubelet.installed' })
    expect(e.message).toContain('Missing required attribute')
  })

  it('a top-level anchor holder whose alias sits in a template branch this run leaves out is skipped, as goss ignores it', async () => {
    const text =
      'versions: &versions\n  versions:\n    contain-element: "1.0"\npackage:\n  kubelet:\n    installed: true\n{{if eq .Vars.OS "ubuntu"}}\n    <<: *versions\n{{end}}\n'
    const file = await write('anchor-in-branch.yaml', text)
    const flatcar = await loadGossfile(file, { varsInline: { OS: 'flatcar' } })
    expect(flatcar.checks.map((c) => [c.id, c.attributes.map((a) => a.name)])).toEqual([['kubelet', ['installed']]])
    const ubuntu = await loadGossfile(file, { varsInline: { OS: 'ubuntu' } })
    expect(ubuntu.checks.map((c) => [c.id, c.attributes.map((a) => a.name)])).toEqual([['kubelet', ['installed', 'versions']]])
  })

  it('rejects a key written twice, which goss would silently collapse', async () => {
    const e = await loadError(await write('dup.yaml', 'file:\n  /x:\n    exists: true\nservice:\n  a:\n    running: true\nfile:\n  /y:\n    exists: true\n'))
    expect(e.line).toBe(7)
    expect(e.message).toContain('unique')
  })

  it('reports a template error at its gossfile line (a variable that was not given)', async () => {
    const e = await loadError(await write('novar.yaml', 'http:\n  http://x/:\n    status: 200\n  http://{{ .Vars.ip_address }}/y:\n    status: 200\n'))
    expect(e).toMatchObject({ line: 4, key: 'template' })
    expect(e.message).toContain('map has no entry for key "ip_address"')
  })

  it('checks option types: timeout must be a whole number, skip true or false', async () => {
    const e = await loadError(await write('opt.yaml', 'command:\n  x:\n    exit-status: 0\n    timeout: soon\n'))
    expect(e).toMatchObject({ line: 4, key: 'command.x.timeout' })
    const s = await loadError(await write('skip.yaml', 'command:\n  x:\n    exit-status: 0\n    skip: maybe\n'))
    expect(s.key).toBe('command.x.skip')
  })

  it('reads a JSON gossfile too, and renders the merged suite with defaults (goss render)', async () => {
    const f = await write(
      'g.json',
      JSON.stringify({ user: { root: { exists: true, uid: 0 } }, 'kernel-param': { 'kernel.ostype': { value: 'Linux' } } }, null, 2),
    )
    const s = await loadGossfile(f)
    expect(s.checks.map((c) => `${c.type}:${c.id}`)).toEqual(['user:root', 'kernel-param:kernel.ostype'])
    expect(renderSuite(s)).toContain('kernel-param:\n  kernel.ostype:\n    value: Linux')
  })

  it("render never shows an http check's password", async () => {
    const s = await loadGossfile(await write('pw.yaml', 'http:\n  http://127.0.0.1/:\n    status: 200\n    username: ann\n    password: s3cret-value\n'))
    const out = renderSuite(s)
    expect(out).not.toContain('s3cret-value')
    expect(out).toContain('password: <sensitive>')
  })
})
