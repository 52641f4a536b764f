import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { ON_ERROR_VALUES } from '../runner/wrappers.js'
import type { BuildFlags } from './command-build.js'
import type { CleanupFlags } from './command-cleanup.js'
import type { TemplateFlags } from './command-template.js'
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, formatError, logEnabled } from './errors.js'
import { version } from './version.js'
import { normalizePackerFlags, parseBool, parseVarAssignment } from './normalize-args.js'

const collectVar = (text: string, acc: Record<string, string> = {}): Record<string, string> => {
  try {
    const [name, value] = parseVarAssignment(text)
    return { ...acc, [name]: value }
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
}
const collect = (text: string, acc: string[] = []): string[] => [...acc, text]
const collectList = (text: string, acc: string[] = []): string[] => [
  ...acc,
  ...text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
]
const positiveInt = (text: string): number => {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number (0 = no limit), got '${text}'`)
  return n
}
const bool = (text: string): boolean => {
  try {
    return parseBool(text)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
}

/** Repeatable flags that were not given are empty (kept out of commander so help shows no `default: []`). */
function withListDefaults<F extends Partial<TemplateFlags>>(flags: F): F & TemplateFlags {
  return { ...flags, var: flags.var ?? {}, varFile: flags.varFile ?? [], only: flags.only ?? [], except: flags.except ?? [] }
}

/** The flags build, validate and inspect share: which variables and which builds. */
function templateOptions(cmd: Command): Command {
  return cmd
    .option('--var <name=value>', 'set a template variable (repeatable)', collectVar)
    .option('--var-file <path>', 'a file of variable values (.ts, .js or .json; repeatable)', collect)
    .option('--only <names>', 'build only these builds (comma-separated, repeatable)', collectList)
    .option('--except <names>', 'build all builds but these (comma-separated, repeatable)', collectList)
    .addHelpText('after', '\nFlags may be written with one dash, as in Packer: -var name=value, -only=a,b, -color=false.')
}

/** Starts the template's type-check (a TypeScript template's) and waits for it to end; the command takes its result. */
async function typecheckFirst(template: string): Promise<void> {
  const { startTypecheck, startedCheckDone } = await import('../template/typecheck.js')
  startTypecheck(template)
  await startedCheckDone(template)
}

/** The commands that read a template: build, verify, validate, inspect. `done` takes the exit code. */
function templateCommands(program: Command, done: (code: number) => void): void {
  templateOptions(program.command('build').argument('<template>', 'the template file, e.g. image.ts'))
    .description('build images from a template')
    .option('--force', 'replace an existing image of the same name')
    .addOption(new Option('--on-error <mode>', 'what to do when a build fails').choices(ON_ERROR_VALUES).default('cleanup'))
    .option('--debug', 'pause after each step and before each cleanup')
    .option('--parallel-builds <n>', 'how many builds run at once (0 = all)', positiveInt)
    .option('--timestamp-ui', 'prefix every line with an RFC 3339 timestamp')
    .option('--machine-readable', "print Packer's machine-readable lines")
    .option('--color [bool]', 'colored output (-color=false to disable)', bool, true)
    .option('--junit <file>', "write the verify phase's check results as JUnit XML")
    .option('--move-goss-to-verify', 'run the goss provisioners in the verify phase, on a machine of the new image, instead of while provisioning')
    .addOption(new Option('--state-dir <dir>', 'where resource journals are kept').hideHelp())
    .action(async (template: string, flags: BuildFlags) => {
      // Each command's module is loaded only when it runs: validate never loads the renderers,
      // the journal sweep or the prompter.
      // The template's type-check runs first, on its own: the command's modules load after it
      // (loaded beside the compiler, the two added up to more memory than either needs).
      await typecheckFirst(template)
      const { buildCommand } = await import('./command-build.js')
      done(await buildCommand(template, withListDefaults(flags)))
    })

  templateOptions(program.command('verify').argument('<template>', 'the template whose checks run: its verify, and its goss provisioners'))
    .description("check an existing image: start a machine of it through the template's builder, run the checks, tear it down")
    .requiredOption('--image <id>', 'the image to check: a docker image id or tag, an AMI id, an Alibaba or Huawei image id')
    .option('--junit <file>', 'also write the results as JUnit XML')
    .addOption(new Option('--on-error <mode>', 'what to do when a check fails').choices(ON_ERROR_VALUES).default('cleanup'))
    .option('--timestamp-ui', 'prefix every line with an RFC 3339 timestamp')
    .option('--machine-readable', "print Packer's machine-readable lines")
    .option('--color [bool]', 'colored output (-color=false to disable)', bool, true)
    .addOption(new Option('--state-dir <dir>', 'where resource journals are kept').hideHelp())
    .action(async (template: string, flags: BuildFlags) => {
      ;(await import('../template/typecheck.js')).startTypecheck(template)
      const { buildCommand } = await import('./command-build.js')
      done(await buildCommand(template, withListDefaults(flags)))
    })

  templateOptions(program.command('validate').argument('<template>', 'the template file'))
    .description('check a template (types, values, variables) without creating anything')
    .option('--machine-readable', 'machine-readable output')
    .action(async (template: string, flags: TemplateFlags) => {
      await typecheckFirst(template)
      const { validateCommand } = await import('./command-template.js')
      done(await validateCommand(template, withListDefaults(flags)))
    })

  templateOptions(program.command('inspect').argument('<template>', 'the template file'))
    .description('show the variables, builds, provisioners and post-processors of a template')
    .option('--machine-readable', 'print JSON')
    .action(async (template: string, flags: TemplateFlags) => {
      const { inspectCommand } = await import('./command-template.js')
      done(await inspectCommand(template, withListDefaults(flags)))
    })
}

/** convert, cleanup and version. `done` takes the exit code. */
function otherCommands(program: Command, done: (code: number) => void): void {
  program
    .command('convert')
    .argument('<template>', 'a Packer template: template.json, x.pkr.hcl or a directory')
    .description('write the typed image.ts equivalent to a Packer template')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(async (template: string, flags: { output?: string }) => {
      const { convertCommand } = await import('./command-convert.js')
      done(await convertCommand(template, flags))
    })

  program
    .command('cleanup')
    .description('delete the temporary resources that killed builds left (listed first)')
    .option('--dry-run', 'only list what would be deleted')
    .option('--state-dir <dir>', 'state directory holding the journals (default: $TSIMG_STATE_DIR or ~/.tsimg)')
    .option('--other-hosts', 'also clean journals written on other hosts (once their builds are over)')
    .option('--sweep', 'without journals: find every resource tsimg tagged in --region (or --endpoint), list it, delete it when confirmed')
    .option('--cloud <name...>', 'with --sweep: aws, alicloud, huaweicloud, vsphere (default: every installed cloud builder)')
    .option('--region <region>', 'with --sweep: the region to search')
    .option('--endpoint <url>', 'with --sweep: an EC2-compatible (or other cloud) endpoint')
    .option('--profile <name>', 'with --sweep: the credentials profile')
    .option('--account <id>', 'with --sweep: stop unless the credentials reach this account / project')
    .option('--older-than <duration>', 'with --sweep: only resources at least this old', '2h')
    .option('--yes', 'with --sweep: delete without asking (scripts)')
    .action(async (flags: CleanupFlags) => {
      const { cleanupCommand } = await import('./command-cleanup.js')
      done(await cleanupCommand(flags))
    })

  program
    .command('version')
    .description('print the tsimg version')
    .action(() => {
      process.stdout.write(`tsimg v${version()}\n`)
    })
}

/** `tsimg` entry point: returns the process exit code (0 ok, 1 build failed, 2 bad input, 130 cancelled). */
export async function main(argv: readonly string[]): Promise<number> {
  let code = EXIT_OK
  const args = argv.slice(2)
  const normalized = normalizePackerFlags(args)
  const typed = new Set(normalized.filter((a, i) => a !== args[i]).map((a) => a.split('=')[0]!))
  // `tsimg build ... | head`: a closed pipe must not crash the build (and skip its cleanup).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err
    })
  }
  const program = new Command('tsimg')
    .description('Build machine images from a typed image.ts, the way Packer does')
    .version(version(), '-v, --version', 'print the tsimg version')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      // Name a flag the way the user typed it (`-foo`, not the normalized `--foo`).
      outputError: (text, write) =>
        write(text.replace(/^error: /, 'Error: ').replace(/'(--[^' =]+)/g, (m, flag: string) => (typed.has(flag) ? `'${flag.slice(1)}` : m))),
    })

  templateCommands(program, (c) => (code = c))
  otherCommands(program, (c) => (code = c))

  try {
    await program.parseAsync(normalized, { from: 'user' })
    return code
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK
      return EXIT_BAD_INPUT
    }
    process.stderr.write(formatError(err, logEnabled()))
    return EXIT_FAILED
  }
}
