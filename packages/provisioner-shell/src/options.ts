import { z } from 'zod'
import { commonProvisionerShape, durationSchema, type CommonProvisionerOptions } from '@tsimg/core/plugin'

/** Options of the shell provisioner; each names the Packer option it mirrors. */
export interface ShellOptions extends CommonProvisionerOptions {
  /** Packer `inline`: commands run in one script, each line as written. */
  inline?: string[]
  /** Packer `script`: path (relative to the template) of a local script to upload and run. */
  script?: string
  /** Packer `scripts`: local scripts to upload and run in order. */
  scripts?: string[]
  /** Packer `environment_vars`: `['KEY=value']` or `{ KEY: 'value' }`, exported to the scripts. */
  environmentVars?: string[] | Record<string, string>
  /** Packer `env_var_format`: printf-style format of one variable, default `%s='%s' `. */
  envVarFormat?: string
  /** Packer `execute_command`: with `{{.Vars}}` and `{{.Path}}`, default `chmod +x {{.Path}}; {{.Vars}} {{.Path}}`. */
  executeCommand?: string
  /** Packer `remote_folder`: where scripts are uploaded, default `/tmp`. */
  remoteFolder?: string
  /** Packer `remote_file`: file name of the uploaded script, default `script_<random>.sh`. */
  remoteFile?: string
  /** Packer `remote_path`: full remote path of the uploaded script; overrides remoteFolder/remoteFile. */
  remotePath?: string
  /** Packer `expect_disconnect`: a dropped connection during or after a script (reboot, sshd restart) is not an error. */
  expectDisconnect?: boolean
  /** Packer `valid_exit_codes`: exit codes that count as success, default `[0]`. */
  validExitCodes?: number[]
  /** Packer `start_retry_timeout`: keep retrying upload and start while the machine is not reachable, default `'5m'`. */
  startRetryTimeout?: string | number
  /** Packer `skip_clean`: leave the uploaded script on the machine instead of removing it. */
  skipClean?: boolean
  /** Packer `inline_shebang`: interpreter line for inline commands, default `/bin/sh -e`. */
  inlineShebang?: string
  /** Packer `binary`: upload scripts byte for byte (no CRLF to LF conversion). */
  binary?: boolean
  /** Packer `pause_after`: wait this long after the last script (a service settling), as Packer's "Pausing ... after this provisioner". */
  pauseAfter?: string | number
}

const envName = /^[A-Za-z_][A-Za-z0-9_]*$/

export const shellSchema = z.strictObject({
  ...commonProvisionerShape,
  inline: z.array(z.string()).min(1, 'must list at least one command').optional(),
  script: z.string().min(1).optional(),
  scripts: z.array(z.string().min(1)).min(1).optional(),
  environmentVars: z
    .union([
      z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, "expected 'KEY=value'")),
      z.record(z.string().regex(envName, 'expected a variable name'), z.string()),
    ])
    .optional(),
  envVarFormat: z
    .string()
    .refine((f) => (f.match(/%s/g) ?? []).length === 2, 'expected two %s, e.g. "%s=\'%s\' "')
    .optional(),
  executeCommand: z
    .string()
    .refine((c) => c.includes('{{.Path}}') || /\{\{\s*\.Path\s*\}\}/.test(c), 'must contain {{.Path}}')
    .refine((c) => !/\{\{(?!\s*\.(Vars|Path)\s*\}\})/.test(c), 'only {{.Vars}} and {{.Path}} can be used')
    .optional(),
  remoteFolder: z.string().min(1).optional(),
  remoteFile: z
    .string()
    .min(1)
    .regex(/^[^/]+$/, 'a file name, without /')
    .optional(),
  remotePath: z.string().min(1).optional(),
  expectDisconnect: z.boolean().optional(),
  validExitCodes: z.array(z.number().int().min(0).max(255)).min(1).optional(),
  startRetryTimeout: durationSchema.optional(),
  skipClean: z.boolean().optional(),
  inlineShebang: z.string().min(1).optional(),
  binary: z.boolean().optional(),
  pauseAfter: durationSchema.optional(),
})

// Keeps the documented interface and the schema in step: this fails to compile if they drift.
type Schema = z.infer<typeof shellSchema>
const _same: [Required<ShellOptions>, Required<Schema>] extends [Required<Schema>, Required<ShellOptions>] ? true : never = true
void _same
