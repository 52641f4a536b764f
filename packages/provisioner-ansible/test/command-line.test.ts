import { describe, expect, it } from 'vitest'
import type { BuildInfo } from '@tsimg/core/plugin'
import { ansibleEnv, playbookArgs, secretValues, shlexJoin, type CommandLineInput } from '../src/command-line.js'
import { FailureTracker } from '../src/failure.js'
import { renderInventory } from '../src/inventory.js'

const build: BuildInfo = { id: 'b1', name: 'docker.web', sourceType: 'docker', sourceName: 'web', force: false, templateDir: '/t' }
const input = (over: Partial<CommandLineInput> = {}): CommandLineInput => ({
  options: { playbookFile: 'site.yml' },
  build,
  endpoint: {
    host: '127.0.0.1',
    port: 2222,
    user: 'deploy',
    keyFile: '/w/k',
    sshCommonArgs: ['-o', 'UserKnownHostsFile=/w/known_hosts'],
    close: async () => undefined,
  },
  inventory: '/w/inventory',
  playbook: '/t/site.yml',
  localTemp: '/w/tmp',
  controlPathDir: '/w/cp',
  ...over,
})

describe('inventory', () => {
  it("writes Packer's host line, each group holding it, then the empty groups", () => {
    const text = renderInventory({ values: { HostAlias: 'default', Host: '127.0.0.1', Port: 2222, User: 'deploy' }, groups: ['a', 'b'], emptyGroups: ['c'] })
    const host = 'default ansible_host=127.0.0.1 ansible_user=deploy ansible_port=2222\n'
    expect(text).toBe(`${host}[a]\n${host}[b]\n${host}[c]\n`)
  })

  it('fills a custom template with generated values and rejects unknown names', () => {
    expect(renderInventory({ template: '{{.HostAlias}} id={{ .ID }}', values: { HostAlias: 'x', ID: 'abc' } })).toBe('x id=abc\n')
    expect(() => renderInventory({ template: '{{ .Hots }}', values: { Host: 'h' } })).toThrow(
      'inventoryFileTemplate: {{ .Hots }} has no value in this build (known: Host)',
    )
  })
})

describe('ansible-playbook command line', () => {
  it("passes the build vars, ssh extra args, the key and the inventory in Packer's order", () => {
    expect(playbookArgs(input({ options: { playbookFile: 'site.yml', extraArguments: ['-v', '--tags=x'] } }))).toEqual([
      '-e',
      '{"packer_build_name":"web","packer_builder_type":"docker","tsimg_build_name":"web","tsimg_builder_type":"docker"}',
      '--ssh-extra-args',
      "'-o IdentitiesOnly=yes'",
      '-v',
      '--tags=x',
      '-e',
      'ansible_ssh_private_key_file=/w/k',
      '-i',
      '/w/inventory',
      '/t/site.yml',
    ])
  })

  it('appends the host key options to a --ssh-common-args of the user', () => {
    const args = playbookArgs(input({ options: { playbookFile: 's', extraArguments: ['--ssh-common-args', '-o ProxyCommand=none'] } }))
    expect(args).toContain('-o ProxyCommand=none -o UserKnownHostsFile=/w/known_hosts')
  })

  it("keeps run files in the work dir and lets the user's ANSIBLE_ variables win", () => {
    const env = ansibleEnv(
      input({ options: { playbookFile: 's', ansibleEnvVars: { ANSIBLE_SSH_TRANSFER_METHOD: 'piped', ANSIBLE_SSH_COMMON_ARGS: '-o A=b' } } }),
    )
    expect(env).toMatchObject({
      ANSIBLE_LOCAL_TEMP: '/w/tmp',
      ANSIBLE_SSH_CONTROL_PATH_DIR: '/w/cp',
      ANSIBLE_SSH_TRANSFER_METHOD: 'piped',
      ANSIBLE_SSH_COMMON_ARGS: '-o A=b -o UserKnownHostsFile=/w/known_hosts',
      ANSIBLE_TIMEOUT: '60',
      PACKER_BUILD_NAME: 'web',
      TSIMG_BUILDER_TYPE: 'docker',
    })
    expect(ansibleEnv(input()).ANSIBLE_SSH_TRANSFER_METHOD).toBe('scp')
    // Retries are the user's choice only: tsimg sets none of its own.
    expect(ansibleEnv(input()).ANSIBLE_SSH_RETRIES).toBe(process.env.ANSIBLE_SSH_RETRIES)
  })

  it('keeps an ANSIBLE_TIMEOUT of the environment over its own 60 s default', () => {
    const saved = process.env.ANSIBLE_TIMEOUT
    process.env.ANSIBLE_TIMEOUT = '300'
    try {
      expect(ansibleEnv(input()).ANSIBLE_TIMEOUT).toBe('300')
      expect(ansibleEnv(input({ options: { playbookFile: 's', ansibleEnvVars: { ANSIBLE_TIMEOUT: '5' } } })).ANSIBLE_TIMEOUT).toBe('5')
    } finally {
      if (saved === undefined) delete process.env.ANSIBLE_TIMEOUT
      else process.env.ANSIBLE_TIMEOUT = saved
    }
  })

  it('quotes ssh arguments as shlex reads them', () => {
    expect(shlexJoin(['-o', "Proxy=it's here", 'plain'])).toBe(`-o 'Proxy=it'"'"'s here' plain`)
  })

  it('treats password, secret and token values of extra arguments and env vars as secrets', () => {
    expect(
      secretValues({
        playbookFile: 's',
        extraArguments: ['--extra-vars', 'region=eu db_password=hunter22 api_token="tok en"'],
        ansibleEnvVars: ['VAULT_SECRET=s3cr3t', 'A=1'],
      }),
    ).toEqual(['hunter22', 'tok en', 's3cr3t'])
  })
})

describe('failure tracker', () => {
  it('names the failing task, not an ignored failure before it', () => {
    const t = new FailureTracker()
    for (const l of [
      'TASK [first] ****',
      'fatal: [default]: FAILED! => {}',
      '...ignoring',
      'TASK [role : second] ***',
      'fatal: [default]: FAILED! => {"rc": 3, "msg": "non-zero return code"}',
    ])
      t.push(l)
    expect(t.describe()).toBe(' in task "role : second": non-zero return code')
    const u = new FailureTracker()
    for (const l of [
      'TASK [Gathering Facts] *',
      'fatal: [default]: UNREACHABLE! => {"changed": false, "msg": "Failed to connect to the host via ssh: timed out", "unreachable": true}',
    ])
      u.push(l)
    expect(u.describe()).toBe(' in task "Gathering Facts" (machine unreachable): Failed to connect to the host via ssh: timed out')
    const e = new FailureTracker()
    e.push('ERROR! the playbook: x.yml could not be found')
    expect(e.describe()).toBe(': the playbook: x.yml could not be found')
  })
})
