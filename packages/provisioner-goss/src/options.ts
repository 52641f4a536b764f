import { commonProvisionerShape, durationSchema, type CommonProvisionerOptions } from '@tsimg/core/plugin'
import { z } from 'zod'

/** goss validate's `--format` values. */
const GOSS_FORMATS = ['rspecish', 'documentation', 'json', 'junit', 'tap', 'nagios', 'silent', 'structured'] as const
export type GossFormatName = (typeof GOSS_FORMATS)[number]

/** The goss files and how they run: shared by the provisioner and the verify phase's checks. */
export interface GossRunOptions {
  /**
   * Packer `tests`: the goss files and directories Packer uploads to `remotePath` (here: read
   * where they are, nothing is uploaded). Relative to the template.
   */
  tests: string[]
  /**
   * Packer `goss_file`: the gossfile to run, as a path inside the uploaded tests (`goss.yaml`,
   * `goss/goss.yaml` for a `tests` directory named goss); default `goss.yaml` there, or the one file given.
   */
  gossFile?: string
  /** Packer `vars_file`: goss `--vars`, a YAML or JSON file of variables (relative to the template). */
  varsFile?: string
  /** Packer `vars_env`: environment variables the goss templates see as `.Env`. */
  varsEnv?: Record<string, string>
  /** Packer `vars_inline`: goss `--vars-inline`, variables that win over varsFile. */
  varsInline?: Record<string, unknown>
  /** Packer `retry_timeout`: re-run failing checks until they pass or this much time passed; default `0s`. */
  retryTimeout?: string | number
  /** Packer `sleep`: pause between retries; default `1s`. */
  sleep?: string | number
  /** Packer `use_sudo`: run the probes through `sudo -n`. */
  useSudo?: boolean
}

export interface GossOptions extends GossRunOptions, CommonProvisionerOptions {
  /** Packer `format`: goss validate's output format; default `rspecish`. */
  format?: GossFormatName | ''
  /** Packer `format_options`: goss's `--format-options` (`perfdata`, `verbose`, `pretty`, `sort`), space-separated. */
  formatOptions?: string
  /** Packer `inspect`: print the rendered gossfile (goss render -d) and report failing checks without failing the build. */
  inspect?: boolean
  /** Packer `url`: accepted and explained; no goss binary is downloaded (checks run over the connection). */
  url?: string
  /** Packer `version`: accepted and explained, as `url`. */
  version?: string
  /** Packer `arch`: accepted and explained, as `url`. */
  arch?: string
  /** Packer `download_path`: accepted and explained, as `url`. */
  downloadPath?: string
  /** Packer `skip_install`: accepted and explained, as `url`. */
  skipInstall?: boolean
  /** Packer `remote_folder`: accepted and explained: nothing is uploaded. */
  remoteFolder?: string
  /** Packer `remote_path`: accepted and explained: nothing is uploaded. */
  remotePath?: string
  /** Packer `skip_ssl`: accepted and explained: nothing is downloaded. */
  skipSsl?: boolean
  /** Packer `username` (for the download): accepted and explained. */
  username?: string
  /** Packer `password` (for the download): accepted, explained and redacted. */
  password?: string
  /** Packer `target_os`: `Linux` (the default); `Windows` is an error. */
  targetOs?: 'Linux' | 'linux' | ''
}

/** Options of the binary download and upload that tsimg does not need: accepted, said once. */
export const DOWNLOAD_OPTIONS = [
  'url',
  'version',
  'arch',
  'downloadPath',
  'skipInstall',
  'remoteFolder',
  'remotePath',
  'skipSsl',
  'username',
  'password',
] as const

const gossRunShape = {
  tests: z.array(z.string().min(1)).min(1, 'at least one goss file or directory'),
  gossFile: z.string().optional(),
  varsFile: z.string().optional(),
  varsEnv: z.record(z.string(), z.string()).optional(),
  varsInline: z.record(z.string(), z.unknown()).optional(),
  retryTimeout: durationSchema.optional(),
  sleep: durationSchema.optional(),
  useSudo: z.boolean().optional(),
}

export const gossSchema = z.strictObject({
  ...commonProvisionerShape,
  ...gossRunShape,
  format: z.enum([...GOSS_FORMATS, '']).optional(),
  formatOptions: z.string().optional(),
  inspect: z.boolean().optional(),
  url: z.string().optional(),
  version: z.string().optional(),
  arch: z.string().optional(),
  downloadPath: z.string().optional(),
  skipInstall: z.boolean().optional(),
  remoteFolder: z.string().optional(),
  remotePath: z.string().optional(),
  skipSsl: z.boolean().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  targetOs: z.enum(['Linux', 'linux', '']).optional(),
})

export const gossChecksSchema = z.strictObject(gossRunShape)
