import { readFile } from 'node:fs/promises'
import { TsimgError, type ProvisionContext } from '@tsimg/core/plugin'
import type { AnsibleOptions } from './options.js'
import { runLocal } from './process.js'

/** Output of ansible-galaxy that means no Galaxy server answered (DNS, refused, timeout, proxy). */
const UNREACHABLE =
  /urlopen error|Name or service not known|Temporary failure in name resolution|Connection refused|timed out|Network is unreachable|Failed to connect|Unknown error when attempting to call Galaxy/i

export interface GalaxyRun {
  readonly file: string
  readonly rolesPath?: string | undefined
  readonly collectionsPath?: string | undefined
  readonly env: NodeJS.ProcessEnv
  readonly cwd: string
}

/**
 * Installs what the requirements file lists, as Packer does: roles unless the file lists only
 * collections, then collections if it lists any. A Galaxy that cannot be reached is said so.
 */
export async function installGalaxy(ctx: ProvisionContext, o: AnsibleOptions, run: GalaxyRun): Promise<void> {
  const text = await readFile(run.file, 'utf8')
  const hasRoles = /^roles:/m.test(text)
  const hasCollections = /^collections:/m.test(text)
  const force = [...(o.galaxyForceInstall ? ['--force'] : []), ...(o.galaxyForceWithDeps ? ['--force-with-deps'] : [])]
  if (hasRoles || !hasCollections) {
    await galaxy(ctx, o, run, ['install', '-r', run.file, ...force, ...(run.rolesPath ? ['-p', run.rolesPath] : [])])
  }
  if (hasCollections) {
    await galaxy(ctx, o, run, ['collection', 'install', '-r', run.file, ...force, ...(run.collectionsPath ? ['-p', run.collectionsPath] : [])])
  }
}

async function galaxy(ctx: ProvisionContext, o: AnsibleOptions, run: GalaxyRun, args: string[]): Promise<void> {
  const command = o.galaxyCommand ?? 'ansible-galaxy'
  ctx.ui.say(`Executing Ansible Galaxy: ${command} ${args.join(' ')}`)
  let unreachable: string | undefined
  const code = await runLocal({
    command,
    args,
    env: run.env,
    cwd: run.cwd,
    signal: ctx.signal,
    onLine: (line, stream) => {
      if (!unreachable && UNREACHABLE.test(line)) unreachable = line.replace(/^ERROR! /, '').trim()
      ctx.ui.remote(line, stream)
    },
  })
  if (code === 0) return
  if (unreachable) {
    throw new TsimgError('ANSIBLE_GALAXY_UNREACHABLE', `ansible-galaxy could not reach a Galaxy server (exit status ${code}): ${unreachable}`, {
      hint: 'galaxyFile needs network access to the Galaxy server it names (ANSIBLE_GALAXY_SERVER, default https://galaxy.ansible.com); without it, keep the roles next to the playbook or in rolesPath and drop galaxyFile',
    })
  }
  throw new TsimgError('ANSIBLE_GALAXY_FAILED', `${command} ${args.slice(0, 2).join(' ')} failed with exit status ${code}`)
}
