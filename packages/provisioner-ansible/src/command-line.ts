import type { BuildInfo } from '@tsimg/core/plugin'
import type { AnsibleEndpoint } from './connection.js'
import { envRecord, type AnsibleOptions } from './options.js'

/** Packer's default `ansible_ssh_extra_args`: only the key given, not every key of the agent. */
const DEFAULT_SSH_EXTRA_ARGS = ['-o IdentitiesOnly=yes']

/** ansible splits its ssh argument options with shlex: quote each element as one word. */
export function shlexJoin(words: readonly string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'"'"'`)}'`)).join(' ')
}

export interface CommandLineInput {
  readonly options: AnsibleOptions
  readonly build: BuildInfo
  readonly endpoint: AnsibleEndpoint
  readonly inventory: string
  readonly playbook: string
  /** Absolute roles and collections paths (relative ones resolved against the template). */
  readonly rolesPath?: string | undefined
  readonly collectionsPath?: string | undefined
  /** Work dir paths for ansible's local temp files and SSH control sockets. */
  readonly localTemp: string
  readonly controlPathDir: string
}

/** Packer's extra vars (`packer_build_name`, `packer_builder_type`) and tsimg's, as one JSON `-e`. */
function buildVars(build: BuildInfo): Record<string, string> {
  return {
    packer_build_name: build.sourceName,
    packer_builder_type: build.sourceType,
    tsimg_build_name: build.sourceName,
    tsimg_builder_type: build.sourceType,
  }
}

/** ansible-playbook's arguments, in Packer's order: extra vars, ssh args, the user's, key, inventory, playbook. */
export function playbookArgs(i: CommandLineInput): string[] {
  const o = i.options
  const args = ['-e', JSON.stringify(buildVars(i.build))]
  if (i.endpoint.keyFile) args.push('--ssh-extra-args', shlexJoin(o.ansibleSshExtraArgs ?? DEFAULT_SSH_EXTRA_ARGS))
  args.push(...withCommonArgs(o.extraArguments ?? [], i.endpoint.sshCommonArgs))
  const mentions = (s: string) => args.some((a) => a.includes(s))
  if (i.endpoint.keyFile && !mentions('ansible_password') && !mentions('ansible_ssh_private_key_file')) {
    args.push('-e', `ansible_ssh_private_key_file=${i.endpoint.keyFile}`)
  }
  args.push('-i', i.inventory, i.playbook)
  return args
}

/**
 * A `--ssh-common-args` the user passes replaces the environment's, so the host key options
 * are appended to it; ssh takes the first value of an option, so the user's still win.
 */
function withCommonArgs(extra: readonly string[], common: readonly string[]): string[] {
  const out = [...extra]
  const ours = shlexJoin(common)
  for (let k = 0; k < out.length; k++) {
    const a = out[k]!
    if (a.startsWith('--ssh-common-args=')) out[k] = `${a} ${ours}`
    else if (a === '--ssh-common-args' && k + 1 < out.length) out[k + 1] = `${out[k + 1]} ${ours}`
  }
  return out
}

/**
 * The environment of ansible-playbook and ansible-galaxy: this process's, then tsimg's
 * settings, then the user's ansibleEnvVars (which win over both). Of tsimg's settings only
 * ANSIBLE_TIMEOUT is a mere default that an ANSIBLE_TIMEOUT in this process's environment keeps;
 * the others must be tsimg's for the run to reach its endpoint and clean up. Local temp files and
 * SSH control sockets go into the work dir, so nothing of the run outlives it.
 */
export function ansibleEnv(i: CommandLineInput): NodeJS.ProcessEnv {
  const o = i.options
  const user = envRecord(o.ansibleEnvVars)
  const vars = buildVars(i.build)
  const ours: Record<string, string> = {
    PACKER_BUILD_NAME: vars.packer_build_name!,
    PACKER_BUILDER_TYPE: vars.packer_builder_type!,
    TSIMG_BUILD_NAME: vars.tsimg_build_name!,
    TSIMG_BUILDER_TYPE: vars.tsimg_builder_type!,
    ANSIBLE_LOCAL_TEMP: i.localTemp,
    ANSIBLE_SSH_CONTROL_PATH_DIR: i.controlPathDir,
    // Packer's use_sftp: false sets ANSIBLE_SCP_IF_SSH; this is its current name.
    ANSIBLE_SSH_TRANSFER_METHOD: o.useSftp ? 'sftp' : 'scp',
    PYTHONUNBUFFERED: '1',
    // ansible's 10 s for connecting (and a sudo prompt) is too short on a loaded build host,
    // where the SSH handshake with the local endpoint waits for a busy CPU like anything else.
    ANSIBLE_TIMEOUT: process.env.ANSIBLE_TIMEOUT ?? '60',
    // No ANSIBLE_SSH_RETRIES of ours (ansible's default is 0): a retry runs again a command
    // whose session ended with 255, which may have run already; a 255 from the local endpoint
    // is a bug to fix there (see proxy/session.ts), not to hide.
  }
  if (i.rolesPath) ours.ANSIBLE_ROLES_PATH = i.rolesPath
  if (i.collectionsPath) ours.ANSIBLE_COLLECTIONS_PATH = i.collectionsPath
  const common = shlexJoin(i.endpoint.sshCommonArgs)
  const userCommon = user.ANSIBLE_SSH_COMMON_ARGS
  return {
    ...process.env,
    ...ours,
    ...i.endpoint.env,
    ...user,
    ANSIBLE_SSH_COMMON_ARGS: userCommon ? `${userCommon} ${common}` : common,
  }
}

/**
 * Values that must not be printed: those of `key=value` words whose key says password, secret
 * or token (Packer hides `password` and `secret`), in extra arguments and environment.
 */
export function secretValues(o: AnsibleOptions): string[] {
  const out: string[] = []
  const secretKey = /(password|passwd|secret|token)/i
  for (const arg of o.extraArguments ?? []) {
    for (const m of arg.matchAll(/([A-Za-z0-9_.-]+)=("[^"]*"|'[^']*'|\S+)/g)) {
      if (secretKey.test(m[1]!)) out.push(m[2]!.replace(/^(["'])(.*)\1$/, '$2'))
    }
  }
  for (const [k, v] of Object.entries(envRecord(o.ansibleEnvVars))) if (secretKey.test(k) && v) out.push(v)
  return out.filter((v) => v.length > 0)
}
