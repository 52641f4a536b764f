import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { resolve } from 'node:path'
import { TsimgError, type ProvisionContext, type ProvisionerPlugin, type ValidateContext } from '@tsimg/core/plugin'
import { ansibleEnv, playbookArgs, secretValues, type CommandLineInput } from './command-line.js'
import { directEndpoint, proxyEndpoint, type AnsibleEndpoint } from './connection.js'
import { stopControlMasters } from './control-masters.js'
import { FailureTracker } from './failure.js'
import { installGalaxy } from './galaxy.js'
import { renderInventory } from './inventory.js'
import { ansibleSchema, type AnsibleOptions } from './options.js'
import { runLocal } from './process.js'
import { validateAnsible } from './validate.js'
import { WorkDir } from './workdir.js'

/**
 * Packer's `ansible` provisioner: runs `ansible-playbook` on this machine against the machine
 * being built, through a local SSH endpoint carried over tsimg's own connection (default) or
 * directly (`useProxy: false`).
 *
 *   ansible({ playbookFile: 'ansible/build_image.yaml', groups: ['golden'] })
 */
export function ansible(options: AnsibleOptions): ProvisionerPlugin<AnsibleOptions> {
  return {
    kind: 'provisioner',
    type: 'ansible',
    options,
    schema: ansibleSchema,
    validate: (ctx: ValidateContext) => validateAnsible(options, ctx),
    secrets: () => secretValues(options),
    describe: () => `ansible ${options.playbookFile}`,
    provision: (ctx: ProvisionContext) => runPlaybook(options, ctx),
  }
}

async function runPlaybook(o: AnsibleOptions, ctx: ProvisionContext): Promise<void> {
  const { ui } = ctx
  ui.say(`Provisioning with Ansible playbook: ${o.playbookFile}`)
  const work = await WorkDir.create()
  let endpoint: AnsibleEndpoint | undefined
  try {
    endpoint =
      o.useProxy === false
        ? await directEndpoint(ctx, work, o.user)
        : await proxyEndpoint(ctx, work, o.user, { localPort: o.localPort, sftpCommand: o.sftpCommand })
    const at = (p: string | undefined) => (p === undefined ? undefined : resolve(ctx.templateDir, p))
    const input: CommandLineInput = {
      options: o,
      build: ctx.build,
      endpoint,
      inventory: await writeInventory(o, ctx, work, endpoint),
      playbook: at(o.playbookFile)!,
      rolesPath: at(o.rolesPath),
      collectionsPath: at(o.collectionsPath),
      localTemp: work.join('tmp'),
      controlPathDir: work.join('cp'),
    }
    await mkdir(input.localTemp, { mode: 0o700 })
    await mkdir(input.controlPathDir, { mode: 0o700 })
    const env = ansibleEnv(input)
    if (o.galaxyFile !== undefined) {
      await installGalaxy(ctx, o, { file: at(o.galaxyFile)!, rolesPath: input.rolesPath, collectionsPath: input.collectionsPath, env, cwd: ctx.templateDir })
    }
    const command = o.command ?? 'ansible-playbook'
    const args = playbookArgs(input)
    ui.say(`Executing Ansible: ${[command, ...args].map(showArg).join(' ')}`)
    const failure = new FailureTracker()
    const code = await runLocal({
      command,
      args,
      env,
      cwd: ctx.templateDir,
      signal: ctx.signal,
      onLine: (line, stream) => {
        failure.push(line)
        ui.remote(line, stream)
      },
    })
    if (code !== 0) {
      throw new TsimgError('ANSIBLE_FAILED', `Ansible playbook ${o.playbookFile} failed with exit status ${code}${failure.describe()}`, {
        hint: "ansible-playbook's output above shows why",
      })
    }
  } finally {
    await stopControlMasters(work.join('cp'))
    await endpoint?.close()
    await work.remove()
  }
}

/**
 * The inventory: in the work dir (removed with it), or in inventoryDirectory so its
 * group_vars/host_vars apply, or kept in the system temp folder with keepInventoryFile.
 * It names host, port, user and groups, never a secret.
 */
async function writeInventory(o: AnsibleOptions, ctx: ProvisionContext, work: WorkDir, ep: AnsibleEndpoint): Promise<string> {
  const text = renderInventory({
    template: o.inventoryFileTemplate,
    values: { ...ctx.generated, HostAlias: o.hostAlias ?? 'default', Host: ep.host, Port: ep.port, User: ep.user },
    groups: o.groups,
    emptyGroups: o.emptyGroups,
  })
  const name = `tsimg-inventory-${randomBytes(6).toString('hex')}`
  if (o.inventoryDirectory === undefined && !o.keepInventoryFile) return work.writePrivate('inventory', text)
  const dir = o.inventoryDirectory === undefined ? tmpdir() : resolve(ctx.templateDir, o.inventoryDirectory)
  const path = await work.writePrivate(name, text, dir)
  if (o.keepInventoryFile) ctx.ui.message(`Keeping the inventory file ${path} (keepInventoryFile)`)
  else work.onRemove(path)
  return path
}

function showArg(a: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`
}
