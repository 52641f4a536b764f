import { z } from 'zod'
import { commonProvisionerShape, type CommonProvisionerOptions } from '@tsimg/core/plugin'

/** Options of the ansible provisioner; each names the Packer option it mirrors. */
export interface AnsibleOptions extends CommonProvisionerOptions {
  /** Packer `playbook_file`: the playbook to run, relative to the template. Required. */
  playbookFile: string
  /** Packer `user`: the `ansible_user`; default: the user tsimg's SSH connection logs in as. */
  user?: string
  /** Packer `groups`: inventory groups the machine is placed in. */
  groups?: string[]
  /** Packer `empty_groups`: groups present in the inventory but left empty. */
  emptyGroups?: string[]
  /** Packer `host_alias`: the machine's name in the inventory; default `default`. */
  hostAlias?: string
  /** Packer `extra_arguments`: more `ansible-playbook` arguments, one per element, no shell quoting. */
  extraArguments?: string[]
  /** Packer `ansible_env_vars`: `['KEY=value']` or `{ KEY: 'value' }`, set for ansible-playbook and ansible-galaxy. */
  ansibleEnvVars?: string[] | Record<string, string>
  /** Packer `ansible_ssh_extra_args`: `--ssh-extra-args`, one ssh argument per element; default `['-o IdentitiesOnly=yes']`. */
  ansibleSshExtraArgs?: string[]
  /** Packer `inventory_file_template`: the inventory line(s), with `{{ .HostAlias }}`, `{{ .Host }}`, `{{ .User }}`, `{{ .Port }}` and the build's generated values. */
  inventoryFileTemplate?: string
  /** Packer `inventory_directory`: where the inventory is written (so its `group_vars`/`host_vars` apply); default a private temporary folder. */
  inventoryDirectory?: string
  /** Packer `keep_inventory_file`: leave the generated inventory file behind (it names no secret). */
  keepInventoryFile?: boolean
  /** Packer `roles_path`: where ansible-galaxy installs roles; also given to ansible-playbook as ANSIBLE_ROLES_PATH. */
  rolesPath?: string
  /** Packer `collections_path`: where ansible-galaxy installs collections; also given as ANSIBLE_COLLECTIONS_PATH. */
  collectionsPath?: string
  /** Packer `galaxy_file`: a requirements file installed with ansible-galaxy before the play. */
  galaxyFile?: string
  /** Packer `galaxy_command`: the ansible-galaxy executable; default `ansible-galaxy`. */
  galaxyCommand?: string
  /** Packer `galaxy_force_install`: reinstall roles and collections that are already there (`--force`). */
  galaxyForceInstall?: boolean
  /** Packer `galaxy_force_with_deps`: reinstall them and their dependencies (`--force-with-deps`). */
  galaxyForceWithDeps?: boolean
  /** Packer `command`: the ansible-playbook executable (a path or a name on PATH); default `ansible-playbook`. */
  command?: string
  /** Packer `skip_version_check`: do not run `<command> --version` while validating (e.g. ansible is installed later). */
  skipVersionCheck?: boolean
  /** Packer `use_proxy`: reach the machine through a local SSH endpoint over tsimg's own connection (default true), or directly. */
  useProxy?: boolean
  /** Packer `local_port`: first port tried for the local endpoint (ten are tried); default a free port. */
  localPort?: number
  /** Packer `sftp_command`: command run on the machine for SFTP; default the machine's `sftp` subsystem. */
  sftpCommand?: string
  /** Packer `use_sftp`: transfer files with SFTP instead of scp. */
  useSftp?: boolean
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/
const groupName = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a group name (letters, digits, _ . -)')

export const ansibleSchema = z.strictObject({
  ...commonProvisionerShape,
  playbookFile: z.string().min(1),
  user: z.string().min(1).optional(),
  groups: z.array(groupName).optional(),
  emptyGroups: z.array(groupName).optional(),
  hostAlias: z
    .string()
    .regex(/^[^\s[\]]+$/, 'expected a host name without spaces or brackets')
    .optional(),
  extraArguments: z.array(z.string()).optional(),
  ansibleEnvVars: z
    .union([
      z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, "expected 'KEY=value'")),
      z.record(z.string().regex(envName, 'expected a variable name'), z.string()),
    ])
    .optional(),
  ansibleSshExtraArgs: z.array(z.string()).optional(),
  inventoryFileTemplate: z
    .string()
    .min(1)
    .refine((t) => !/\{\{(?!\s*\.[A-Za-z_][A-Za-z0-9_]*\s*\}\})/.test(t), 'only {{ .Name }} placeholders can be used, e.g. {{ .Host }}')
    .optional(),
  inventoryDirectory: z.string().min(1).optional(),
  keepInventoryFile: z.boolean().optional(),
  rolesPath: z.string().min(1).optional(),
  collectionsPath: z.string().min(1).optional(),
  galaxyFile: z.string().min(1).optional(),
  galaxyCommand: z.string().min(1).optional(),
  galaxyForceInstall: z.boolean().optional(),
  galaxyForceWithDeps: z.boolean().optional(),
  command: z.string().min(1).optional(),
  skipVersionCheck: z.boolean().optional(),
  useProxy: z.boolean().optional(),
  localPort: z.number().int().min(1).max(65535).optional(),
  sftpCommand: z.string().min(1).optional(),
  useSftp: z.boolean().optional(),
})

// Keeps the documented interface and the schema in step: this fails to compile if they drift.
type Schema = z.infer<typeof ansibleSchema>
const _same: [Required<AnsibleOptions>, Required<Schema>] extends [Required<Schema>, Required<AnsibleOptions>] ? true : never = true
void _same

/** `['KEY=value']` or `{ KEY: 'value' }` as a record. */
export function envRecord(vars: string[] | Record<string, string> | undefined): Record<string, string> {
  if (!vars) return {}
  if (!Array.isArray(vars)) return { ...vars }
  const out: Record<string, string> = {}
  for (const kv of vars) {
    const i = kv.indexOf('=')
    out[kv.slice(0, i)] = kv.slice(i + 1)
  }
  return out
}
