// Packer 1.6.6's JSON variables, compared with Packer on the same files: {{user}} and {{env}} in
// defaults, var-file values and -var values, variables referring to each other in any order,
// null (required as a default, "" in a var-file), var-file names the template does not declare.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { packer, tsimgSync as tsimg, type Run } from './support/packer.js'

const dir = mkdtempSync(join(tmpdir(), 'tsimg-json-vars-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const env = { TSIMG_STATE_DIR: join(dir, 'state'), PSEM_E: 'from-env' }

const template = {
  variables: { a: 'x', b: '{{user `a`}}-b', n: null, c: '{{user `d`}}-c', d: 'dd' },
  builders: [{ type: 'null', communicator: 'none' }],
  provisioners: [
    {
      type: 'shell-local',
      inline: ['echo "A={{user `a`}} B={{user `b`}} N=[{{user `n`}}] C={{user `c`}} F={{user `f`}} G={{user `g`}} H={{user `h`}} U=[{{user `undeclared`}}]."'],
    },
  ],
}
writeFileSync(join(dir, 't.json'), JSON.stringify(template, null, 2))
writeFileSync(join(dir, 'v.json'), JSON.stringify({ n: null, f: 'only-in-file', g: '{{user `a`}}-g', h: '{{env `PSEM_E`}}-h' }, null, 2))

/** The line the shell-local provisioner printed. */
const echoed = (r: Run) => /A=.*\./.exec(r.out)?.[0]

describe('Packer JSON variables, as Packer 1.6.6 reads them', { timeout: 300_000 }, () => {
  it('a var-file\'s values are interpolated, its null is "", its undeclared names are read by {{user}}, defaults use other variables in any order', () => {
    const p = packer(['build', '-var-file', 'v.json', 't.json'], dir, env)
    expect(p.code, p.out).toBe(0)
    const t = tsimg(['build', '-var-file', 'v.json', 't.json'], dir, env)
    expect(t.code, t.out).toBe(0)
    expect(echoed(p)).toBe('A=x B=x-b N=[] C=dd-c F=only-in-file G=x-g H=from-env-h U=[].')
    expect(echoed(t)).toBe(echoed(p))
  })

  it('a -var value is interpolated too, and the variables using it see its value', () => {
    const args = ['build', '-var', 'n=q', '-var', 'a={{user `d`}}!', 't.json']
    const p = packer(args, dir, env)
    const t = tsimg(args, dir, env)
    expect(echoed(p)).toBe('A=dd! B=dd!-b N=[q] C=dd-c F= G= H= U=[].')
    expect(t.code, t.out).toBe(0)
    expect(echoed(t)).toBe(echoed(p))
  })

  it('a null default makes the variable required, and the hint names PKR_VAR_', () => {
    expect(packer(['inspect', 't.json'], dir).out).toMatch(/Required variables:\s+n\n/)
    const t = tsimg(['validate', 't.json'], dir)
    expect(t.code).toBe(2)
    expect(t.out).toContain(
      't.json: variables.n: required variable has no value (Set it with -var n=<value>, in a -var-file, or with the environment variable PKR_VAR_n)',
    )
  })

  it('a variable using one that is not set, and variables using each other, are errors at their line, as in Packer', () => {
    writeFileSync(join(dir, 'unset.json'), JSON.stringify({ variables: { a: '{{user `nope`}}' }, builders: [{ type: 'null', communicator: 'none' }] }, null, 2))
    writeFileSync(
      join(dir, 'cycle.json'),
      JSON.stringify({ variables: { a: '{{user `b`}}', b: '{{user `a`}}' }, builders: [{ type: 'null', communicator: 'none' }] }, null, 2),
    )
    expect(packer(['validate', 'unset.json'], dir).out).toContain('Failed to interpolate "a"')
    const unset = tsimg(['validate', 'unset.json'], dir)
    expect(unset.code).toBe(2)
    expect(unset.out).toContain('unset.json:3: variables: variable "a" uses {{user `nope`}}, which is not set')
    expect(packer(['validate', 'cycle.json'], dir).code).toBe(1)
    const cycle = tsimg(['validate', 'cycle.json'], dir)
    expect(cycle.code).toBe(2)
    expect(cycle.out).toContain('cycle.json:3: variables: variables "a", "b" refer to each other in a cycle')
  })

  it('a variable using one no one sets passes once another variable using {{user}} renders, as in Packer 1.6.6; the unset name reads as ""', () => {
    // Packer fails only when its last round of rendering rendered nothing: "c" renders from "d"
    // in every round, so "a" (from the var-file, using "nope") is let through.
    const t = {
      variables: { a: '', c: '{{user `d`}}-c', d: 'dd' },
      builders: [{ type: 'null', communicator: 'none' }],
      provisioners: [{ type: 'shell-local', inline: ['echo "A=[{{user `a`}}] C=[{{user `c`}}]."'] }],
    }
    writeFileSync(join(dir, 'lenient.json'), JSON.stringify(t, null, 2))
    writeFileSync(join(dir, 'lenient-vars.json'), JSON.stringify({ a: 'x={{user `nope`}} y={{user `d`}}' }))
    const args = ['-var-file', 'lenient-vars.json', 'lenient.json']
    expect(packer(['validate', ...args], dir, env).code).toBe(0)
    expect(tsimg(['validate', ...args], dir, env).code).toBe(0)
    const p = packer(['build', ...args], dir, env)
    expect(p.code, p.out).toBe(0)
    expect(/A=.*\./.exec(p.out)?.[0]).toBe('A=[x= y=dd] C=[dd-c].')
    const b = tsimg(['build', ...args], dir, env)
    expect(b.code, b.out).toBe(0)
    expect(/A=.*\./.exec(b.out)?.[0]).toBe('A=[x= y=dd] C=[dd-c].')
    // Without a variable that renders through {{user}}, both still refuse it.
    writeFileSync(join(dir, 'strict.json'), JSON.stringify({ ...t, variables: { a: '', c: 'c' } }, null, 2))
    const strict = ['validate', '-var-file', 'lenient-vars.json', 'strict.json']
    expect(packer(strict, dir, env).out).toContain('Failed to interpolate "a"')
    const s = tsimg(strict, dir, env)
    expect(s.code).toBe(2)
    expect(s.out).toContain('variable "a" uses {{user `nope`}}, which is not set')
  })

  it('inspect lists a template whose builder options are made of required variables not given, as Packer does; validate refuses it', () => {
    const t = {
      variables: { itype: null, region: 'us-east-1' },
      builders: [
        {
          type: 'amazon-ebs',
          region: '{{user `region`}}',
          source_ami: 'ami-0123456789abcdef0',
          instance_type: '{{user `itype`}}',
          ssh_username: 'admin',
          ami_name: 'ami-{{timestamp}}',
        },
      ],
    }
    writeFileSync(join(dir, 'req-opt.json'), JSON.stringify(t, null, 2))
    const p = packer(['inspect', 'req-opt.json'], dir)
    expect(p.code, p.out).toBe(0)
    expect(p.out).toMatch(/Required variables:\s+itype\n/)
    const i = tsimg(['inspect', 'req-opt.json'], dir, env)
    expect(i.code, i.out).toBe(0)
    expect(i.out).toContain('var.itype: <unset>')
    expect(i.out).toContain('amazon-ebs')
    const v = tsimg(['validate', 'req-opt.json'], dir, env)
    expect(v.code).toBe(2)
    expect(v.out).toContain('variables.itype: required variable has no value')
  })

  it('a number in a var-file is an error, as Packer reads JSON variables as strings', () => {
    writeFileSync(join(dir, 'num.json'), JSON.stringify({ n: 1 }))
    expect(packer(['validate', '-var-file', 'num.json', 't.json'], dir).out).toContain('cannot unmarshal number')
    const t = tsimg(['validate', '-var-file', 'num.json', 't.json'], dir)
    expect(t.code).toBe(2)
    expect(t.out).toContain('variables.n: expected a string, got 1 (from num.json:1): Packer reads JSON variables as strings: write "1" in quotes')
  })

  it("convert keeps a default that uses another variable as Packer's text, and the image.ts renders it as Packer 1.6.6 does", () => {
    const c = tsimg(['convert', 't.json', '-o', 't.ts'], dir)
    expect(c.code, c.out).toBe(0)
    const ts = readFileSync(join(dir, 't.ts'), 'utf8')
    expect(ts).toContain("b: packerJson.variable({ default: '{{user `a`}}-b' })")
    expect(ts).toContain('renderVariables: packerJson.render,')
    const p = packer(['build', '-var-file', 'v.json', 't.json'], dir, env)
    const t = tsimg(['build', '-var-file', 'v.json', 't.ts'], dir, env)
    expect(t.code, t.out).toBe(0)
    expect(echoed(p)).toBe('A=x B=x-b N=[] C=dd-c F=only-in-file G=x-g H=from-env-h U=[].')
    expect(echoed(t)).toBe(echoed(p))
    const i = tsimg(['inspect', '-var', 'a=y', 't.ts'], dir, env)
    expect(i.out).toContain('var.b: "y-b"  (string; from default)')
  })

  it('a builder name from a variable is rendered, as packer build names the build; convert writes the TypeScript computing it', () => {
    writeFileSync(
      join(dir, 'named.json'),
      JSON.stringify(
        {
          variables: { n: 'web' },
          builders: [{ type: 'null', communicator: 'none', name: '{{user `n`}}-box' }],
          provisioners: [{ type: 'shell-local', inline: ['echo "A=$PACKER_BUILD_NAME."'] }],
        },
        null,
        2,
      ),
    )
    const p = packer(['build', '-var', 'n=api', 'named.json'], dir, env)
    expect(echoed(p)).toBe('A=api-box.')
    const t = tsimg(['build', '-var', 'n=api', 'named.json'], dir, env)
    expect(t.code, t.out).toBe(0)
    expect(echoed(t)).toBe(echoed(p))
    expect(t.out).toContain("Build 'api-box' finished")
    const c = tsimg(['convert', 'named.json', '-o', 'named.ts'], dir)
    expect(c.code, c.out).toBe(0)
    const b = tsimg(['build', '-var', 'n=api', 'named.ts'], dir, env)
    expect(b.code, b.out).toBe(0)
    expect(echoed(b)).toBe(echoed(p))
  })

  it('an HCL build block name from a variable is refused at its line, as Packer refuses it', () => {
    writeFileSync(
      join(dir, 'named.pkr.hcl'),
      'variable "n" {\n  default = "web"\n}\nsource "null" "x" {\n  communicator = "none"\n}\nbuild {\n  name    = var.n\n  sources = ["source.null.x"]\n}\n',
    )
    expect(packer(['validate', 'named.pkr.hcl'], dir).out).toContain('Variables not allowed')
    const t = tsimg(['validate', 'named.pkr.hcl'], dir)
    expect(t.code).toBe(2)
    expect(t.out).toContain('named.pkr.hcl:8: name: must be a plain string (Packer does not allow variables here either')
  })

  it('convert declares a {{user}} name the template does not, with Packer\'s "" default, so a var-file still sets it in the image.ts', () => {
    writeFileSync(
      join(dir, 'loose.json'),
      JSON.stringify(
        { builders: [{ type: 'null', communicator: 'none' }], provisioners: [{ type: 'shell-local', inline: ['echo "A={{user `mode`}}."'] }] },
        null,
        2,
      ),
    )
    writeFileSync(join(dir, 'mode.json'), JSON.stringify({ mode: 'v2' }))
    const p = packer(['build', '-var-file', 'mode.json', 'loose.json'], dir, env)
    expect(echoed(p)).toBe('A=v2.')
    const c = tsimg(['convert', 'loose.json', '-o', 'loose.ts'], dir)
    expect(c.code, c.out).toBe(0)
    expect(readFileSync(join(dir, 'loose.ts'), 'utf8')).toContain("mode: packerJson.variable({ default: '' }), // not declared in loose.json")
    const b = tsimg(['build', '-var-file', 'mode.json', 'loose.ts'], dir, env)
    expect(b.code, b.out).toBe(0)
    expect(echoed(b)).toBe(echoed(p))
    expect(echoed(tsimg(['build', 'loose.ts'], dir, env))).toBe(echoed(packer(['build', 'loose.json'], dir, env)))
  })
})

// The EKS AMI template's pattern: every option set from a JSON variable (a string), whatever the
// option's type, with "" meaning unset, set from a var-file (one of whose values is null).
describe('a JSON template whose variables set options of other types, converted', () => {
  const eks = {
    variables: { users: null, encrypted: null, size: null, vtype: null, iface: null, sg: null, kms: null, region: 'us-east-1' },
    builders: [
      {
        type: 'amazon-ebs',
        region: '{{user `region`}}',
        skip_region_validation: true,
        access_key: 'AKIAEXAMPLE',
        secret_key: 'example-secret',
        source_ami: 'ami-0123456789abcdef0',
        instance_type: 't3.micro',
        ssh_username: 'admin',
        ami_name: 'eks-like-{{timestamp}}',
        ami_users: '{{user `users`}}',
        encrypt_boot: '{{user `encrypted`}}',
        kms_key_id: '{{user `kms`}}',
        ssh_interface: '{{user `iface`}}',
        security_group_id: '{{user `sg`}}',
        launch_block_device_mappings: [
          { device_name: '/dev/xvda', volume_size: '{{user `size`}}', volume_type: '{{user `vtype`}}', delete_on_termination: true },
        ],
        tags: { created: '{{timestamp}}' },
      },
    ],
  }
  writeFileSync(join(dir, 'eks.json'), JSON.stringify(eks, null, 2))
  writeFileSync(join(dir, 'eks-vars.json'), JSON.stringify({ users: '', encrypted: 'true', size: '20', vtype: 'gp2', iface: '', sg: '', kms: null }, null, 2))
  const args = ['-var-file', 'eks-vars.json']

  it('Packer 1.6.6 and tsimg accept the template with its var-file', () => {
    const p = packer(['validate', ...args, 'eks.json'], dir)
    expect(p.code, p.out).toBe(0)
    const t = tsimg(['validate', ...args, 'eks.json'], dir, env)
    expect(t.code, t.out).toBe(0)
  })

  it('convert reads each variable as Packer reads it for its option (packerJson), and the image.ts type-checks and validates with the same var-file', () => {
    const c = tsimg(['convert', 'eks.json', '-o', 'eks.ts'], dir)
    expect(c.code, c.out).toBe(0)
    const ts = readFileSync(join(dir, 'eks.ts'), 'utf8')
    expect(ts).toContain('users: packerJson.variable(),')
    expect(ts).toContain('amiUsers: packerJson.list(vars.users)')
    expect(ts).toContain('encryptBoot: packerJson.bool(vars.encrypted)')
    expect(ts).toContain('volumeSize: packerJson.number(vars.size)')
    expect(ts).toContain('volumeType: packerJson.string(vars.vtype)')
    expect(ts).toContain('sshInterface: packerJson.string(vars.iface)')
    expect(ts).toContain('securityGroupIds: packerJson.list(vars.sg)')
    expect(ts).toContain('created: String(timestamp())')
    const v = tsimg(['validate', ...args, 'eks.ts'], dir, env)
    expect(v.code, v.out).toBe(0)
    // A value Packer would refuse for a bool is refused by the image.ts too, naming it.
    writeFileSync(join(dir, 'eks-bad.json'), JSON.stringify({ users: '', encrypted: 'yes', size: '20', vtype: 'gp2', iface: '', sg: '', kms: '' }))
    const bad = tsimg(['validate', '-var-file', 'eks-bad.json', 'eks.ts'], dir, env)
    expect(bad.code).toBe(2)
    expect(bad.out).toContain('expected a bool (true or false), got "yes"')
  })
})

describe('a converted JSON template run with var-files that use {{user}} and {{env}}, written to another folder', () => {
  it("renders the var-file values and {{template_dir}} as Packer 1.6.6 does (the image.ts's templateDir is its own folder)", () => {
    mkdirSync(join(dir, 'sub'), { recursive: true })
    writeFileSync(
      join(dir, 'sub', 'w.json'),
      JSON.stringify(
        {
          variables: { a: 'x', w: null },
          builders: [{ type: 'null', communicator: 'none' }],
          provisioners: [{ type: 'shell-local', inline: ['echo "W={{user `w`}} T={{template_dir}}/files."'] }],
        },
        null,
        2,
      ),
    )
    writeFileSync(join(dir, 'w-vars.json'), JSON.stringify({ w: '{{user `a`}}-{{env `PSEM_E`}}' }))
    const line = (r: Run) => /W=.*\./.exec(r.out)?.[0]
    const p = packer(['build', '-var-file', 'w-vars.json', 'sub/w.json'], dir, env)
    expect(p.code, p.out).toBe(0)
    expect(line(p)).toBe(`W=x-from-env T=${join(dir, 'sub')}/files.`)
    const c = tsimg(['convert', 'sub/w.json', '-o', 'w.ts'], dir)
    expect(c.code, c.out).toBe(0)
    expect(readFileSync(join(dir, 'w.ts'), 'utf8')).toContain('renderVariables: packerJson.render,')
    const t = tsimg(['build', '-var-file', 'w-vars.json', 'w.ts'], dir, env)
    expect(t.code, t.out).toBe(0)
    expect(line(t)).toBe(line(p))
  })
})

// Found in public templates (terraform-aws-consul's example with certs, Kubernetes
// image-builder's ami/packer.json): defaults using {{template_dir}} and {{timestamp}}, a
// variable in a list whose value is "", `replace "v" "" 1` over a variable, a list variable
// for an option whose items are a union ('all').
describe('convert of variable defaults and list items as public templates write them', { timeout: 300_000 }, () => {
  it('a default using {{template_dir}} or {{timestamp}} converts to an image.ts that type-checks and renders them as Packer 1.6.6 does', () => {
    mkdirSync(join(dir, 'td'), { recursive: true })
    const t = {
      variables: { key_path: '{{template_dir}}/ca.pem', stamp: '{{timestamp}}', semver: 'v1.2.3' },
      builders: [{ type: 'null', communicator: 'none' }],
      provisioners: [{ type: 'shell-local', inline: ['echo "K={{user `key_path`}} V={{user `semver` | replace "v" "" 1}} S={{user `stamp`}}."'] }],
    }
    writeFileSync(join(dir, 'td', 'td.json'), JSON.stringify(t, null, 2))
    // the path as a path (the image.ts's is `<its folder>/../td/ca.pem`), the timestamp as digits
    const line = (r: Run) =>
      /K=.*\./
        .exec(r.out)?.[0]
        ?.replace(/^K=(\S+)/, (_m, k: string) => `K=${resolve(k)}`)
        .replace(/S=\d+\./, 'S=<n>.')
    const p = packer(['build', 'td/td.json'], dir, env)
    expect(p.code, p.out).toBe(0)
    expect(line(p)).toBe(`K=${join(dir, 'td')}/ca.pem V=1.2.3 S=<n>.`)
    // written to another folder: the default points at the template's folder from there
    mkdirSync(join(dir, 'td-out'), { recursive: true })
    const c = tsimg(['convert', 'td/td.json', '-o', 'td-out/image.ts'], dir)
    expect(c.code, c.out).toBe(0)
    const b = tsimg(['build', 'td-out/image.ts'], dir, env)
    expect(b.code, b.out).toBe(0)
    expect(line(b)).toBe(line(p))
  })

  it("an amazon-ebs template without a region validates, as with Packer 1.6.6 (the amazon plugin's examples set none)", () => {
    const t = {
      builders: [
        { type: 'amazon-ebs', source_ami: 'ami-0123456789abcdef0', instance_type: 't3.micro', ssh_username: 'admin', ami_name: 'noreg-{{timestamp}}' },
      ],
    }
    writeFileSync(join(dir, 'no-region.json'), JSON.stringify(t, null, 2))
    const none = { AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_CONFIG_FILE: join(dir, 'no-aws-config') }
    expect(packer(['validate', 'no-region.json'], dir, none).code).toBe(0)
    const v = tsimg(['validate', 'no-region.json'], dir, { ...env, ...none })
    expect(v.code, v.out).toBe(0)
  })

  it("a shell provisioner's pause_after (the EKS AL2 template) is read as Packer 1.6.6 reads it, and converts to pauseAfter", () => {
    const t = {
      builders: [{ type: 'null', ssh_host: '127.0.0.1', ssh_username: 'admin', ssh_password: 'x' }],
      provisioners: [{ type: 'shell', inline: ['true'], pause_after: '90s' }],
    }
    writeFileSync(join(dir, 'pause-after.json'), JSON.stringify(t, null, 2))
    expect(packer(['validate', 'pause-after.json'], dir).code).toBe(0)
    const v = tsimg(['validate', 'pause-after.json'], dir, env)
    expect(v.code, v.out).toBe(0)
    const c = tsimg(['convert', 'pause-after.json'], dir)
    expect(c.code, c.out).toBe(0)
    expect(c.out).toContain("shell({ inline: ['true'], pauseAfter: '90s' })")
  })

  it('a list item from a variable keeps "" (Packer passes it on), and a list variable types against a union of items', () => {
    writeFileSync(join(dir, 'play.yml'), '- hosts: all\n  tasks: []\n')
    const t = {
      variables: { extra: '', groups: 'all' },
      builders: [
        {
          type: 'amazon-ebs',
          region: 'us-east-1',
          source_ami: 'ami-0123456789abcdef0',
          instance_type: 't3.micro',
          ssh_username: 'admin',
          ami_name: 'lists-{{timestamp}}',
          snapshot_groups: '{{user `groups`}}',
        },
      ],
      provisioners: [{ type: 'ansible', playbook_file: 'play.yml', extra_arguments: ['--extra-vars', '{{user `extra`}}'] }],
    }
    writeFileSync(join(dir, 'lists.json'), JSON.stringify(t, null, 2))
    expect(packer(['validate', 'lists.json'], dir).code).toBe(0)
    expect(tsimg(['validate', 'lists.json'], dir, env).code).toBe(0)
    const c = tsimg(['convert', 'lists.json', '-o', 'lists.ts'], dir)
    expect(c.code, c.out).toBe(0)
    const ts = readFileSync(join(dir, 'lists.ts'), 'utf8')
    expect(ts).toContain("extraArguments: ['--extra-vars', vars.extra]")
    expect(ts).toContain('snapshotGroups: packerJson.list(vars.groups)')
    const v = tsimg(['validate', 'lists.ts'], dir, env)
    expect(v.code, v.out).toBe(0)
  })
})

describe('the image.ts convert writes from a JSON template renders var-file and -var values as Packer does', { timeout: 300_000 }, () => {
  const r = {
    variables: { base: 'photon', version: '', who: '', shout: '' },
    builders: [{ type: 'null', communicator: 'none' }],
    provisioners: [{ type: 'shell-local', inline: ['echo "R={{user `version`}} W={{user `who`}} S={{user `shout`}}."'] }],
  }
  const rendered = 'R=photon-from-env W=extra!-photon S=ABC.'
  const ran = (x: Run) => /R=.*\./.exec(x.out)?.[0]
  const setup = () => {
    writeFileSync(join(dir, 'r.json'), JSON.stringify(r, null, 2))
    // `extra` is declared nowhere: -var sets it, and Packer JSON's {{user}} reads it.
    writeFileSync(
      join(dir, 'r-vars.json'),
      JSON.stringify({ version: '{{user `base`}}-{{env `PSEM_E`}}', who: '{{ user "extra" }}-{{user `base`}}', shout: '{{ upper "abc" }}' }),
    )
  }
  const args = ['-var', 'extra=extra!', '-var-file', 'r-vars.json']

  it('build of the JSON template, of its image.ts and Packer 1.6.6 print the same rendered values; inspect of both shows them', () => {
    setup()
    const p = packer(['build', ...args, 'r.json'], dir, env)
    expect(p.code, p.out).toBe(0)
    expect(ran(p)).toBe(rendered)
    const c = tsimg(['convert', 'r.json', '-o', 'r.ts'], dir)
    expect(c.code, c.out).toBe(0)
    const ts = readFileSync(join(dir, 'r.ts'), 'utf8')
    expect(ts).toContain('renderVariables: packerJson.render,')
    expect(ts).toContain('keepUndeclaredVarFileValues: true,')
    for (const file of ['r.json', 'r.ts']) {
      const b = tsimg(['build', ...args, file], dir, env)
      expect(b.code, b.out).toBe(0)
      expect(ran(b)).toBe(rendered)
      const v = tsimg(['validate', ...args, file], dir, env)
      expect(v.code, v.out).toBe(0)
      // packer inspect 1.6.6 lists only the template's defaults, not var-file values; tsimg's shows what the build gets.
      const i = tsimg(['inspect', ...args, file], dir, env)
      expect(i.code, i.out).toBe(0)
      expect(i.out).toContain('var.version: "photon-from-env"')
      expect(i.out).toContain('var.who: "extra!-photon"')
      expect(i.out).toContain('var.shout: "ABC"')
      expect(i.out).not.toContain('{{')
    }
  })

  it('a variable rendered from a sensitive one shows it as <sensitive> in inspect and build of the image.ts, as in the build of the JSON template', () => {
    writeFileSync(
      join(dir, 's.json'),
      JSON.stringify(
        {
          variables: { pw: '', url: '' },
          'sensitive-variables': ['pw'],
          builders: [{ type: 'null', communicator: 'none' }],
          provisioners: [{ type: 'shell-local', inline: ['echo "U={{user `url`}}."'] }],
        },
        null,
        2,
      ),
    )
    writeFileSync(join(dir, 's-vars.json'), JSON.stringify({ pw: 'hunter2-{{user `extra`}}', url: 'https://u:{{user `pw`}}@h' }))
    expect(tsimg(['convert', 's.json', '-o', 's.ts'], dir).code).toBe(0)
    for (const file of ['s.json', 's.ts']) {
      const sargs = ['-var', 'extra=zz', '-var-file', 's-vars.json', file]
      const i = tsimg(['inspect', ...sargs], dir, env)
      expect(i.code, i.out).toBe(0)
      expect(i.out).toContain('var.url: "https://u:<sensitive>@h"')
      const b = tsimg(['build', ...sargs], dir, env)
      expect(b.code, b.out).toBe(0)
      expect(b.out).toContain('U=https://u:<sensitive>@h.')
      for (const out of [i.out, b.out]) expect(out).not.toContain('hunter2')
    }
  })

  it('a var-file value using a variable no one sets is refused by the image.ts, naming it, as Packer refuses it', () => {
    setup()
    writeFileSync(join(dir, 'r-bad.json'), JSON.stringify({ version: '{{user `nope`}}-x' }))
    const p = packer(['validate', '-var-file', 'r-bad.json', 'r.json'], dir, env)
    expect(p.code).not.toBe(0)
    expect(p.out).toContain('Failed to interpolate "version"')
    expect(tsimg(['convert', 'r.json', '-o', 'r.ts'], dir).code).toBe(0)
    const t = tsimg(['validate', '-var-file', 'r-bad.json', 'r.ts'], dir, env)
    expect(t.code).toBe(2)
    expect(t.out).toContain('r.ts: variables: variable "version" uses {{user `nope`}}, which is not set')
  })

  it("a hand-written image.ts takes a var-file value with {{ }} text as it is (it is its own, not Packer's)", () => {
    setup()
    writeFileSync(
      join(dir, 'own.ts'),
      [
        "import { defineTemplate, nullSource, variable } from '@tsimg/core'",
        'export default defineTemplate({',
        "  variables: { version: variable.string({ default: '' }) },",
        "  build: () => ({ sources: [{ ...nullSource({}), buildName: 'null' }] }),",
        '})',
        '',
      ].join('\n'),
    )
    writeFileSync(join(dir, 'own-vars.json'), JSON.stringify({ version: '{{user `base`}}-{{env `PSEM_E`}}' }))
    const i = tsimg(['inspect', '-var-file', 'own-vars.json', 'own.ts'], dir, env)
    expect(i.code, i.out).toBe(0)
    expect(i.out).toContain('var.version: "{{user `base`}}-{{env `PSEM_E`}}"')
  })
})
