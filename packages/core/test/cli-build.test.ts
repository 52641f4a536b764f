// The real `tsimg` bin against a template whose source makes real temporary files and runs a
// real `sleep`: output shape, exit codes, Packer's single-dash flags, Ctrl-C teardown.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SLOW_TEMPLATE, runCli, startCli } from './fixtures/cli/run-cli.js'

let workDir: string
let stateDir: string
let env: Record<string, string>

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'tsimg-cli-work-'))
  stateDir = await mkdtemp(join(tmpdir(), 'tsimg-cli-state-'))
  env = { TSIMG_STATE_DIR: stateDir }
})
afterEach(async () => {
  await rm(workDir, { recursive: true, force: true })
  await rm(stateDir, { recursive: true, force: true })
})

/** Nothing a build made may remain: no temp file or dir, no journal. */
async function expectNothingLeft(): Promise<void> {
  expect(await readdir(workDir)).toEqual([])
  expect(await readdir(join(stateDir, 'journal')).catch(() => [])).toEqual([])
}

describe('tsimg build', () => {
  it('builds, prints Packer-style output and the artifact summary, exit 0, nothing left', async () => {
    const r = await runCli(['build', SLOW_TEMPLATE, '-var', `workDir=${workDir}`, '-var', 'apiToken=hunter2-very-secret'], env)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = r.stdout
    expect(out).toContain('local.one: output will be in this color.')
    expect(out).toContain('==> local.one: Creating temporary directory...')
    expect(out).toMatch(/^ {4}local\.one: Directory: \//m)
    expect(out).toContain('    local.two: remote says: step output line')
    expect(out).toMatch(/^Build 'local\.one' finished after \d+ (second|millisecond)/m)
    expect(out).toMatch(/^==> Wait completed after /m)
    expect(out).toContain(
      '==> Builds finished. The artifacts of successful builds are:\n--> local.one: Local test artifact one\n--> local.two: Local test artifact two',
    )
    // A sensitive variable is redacted in the output.
    expect(out).toContain('Using token <sensitive>')
    expect(out).not.toContain('hunter2-very-secret')
    // No color codes when stdout is not a terminal.
    expect(out).not.toContain('\x1b[')
    await expectNothingLeft()
  })

  it('accepts Packer single-dash flags: -only=, -except, -parallel-builds=, -color=false, -timestamp-ui', async () => {
    const only = await runCli(
      ['build', '-only=local.one', '-parallel-builds=1', '-color=false', '-timestamp-ui', `-var=workDir=${workDir}`, SLOW_TEMPLATE],
      env,
    )
    expect(only.code).toBe(0)
    expect(only.stdout).toContain('local.one: Creating temporary directory')
    expect(only.stdout).not.toContain('local.two')
    // Every non-blank line starts with an RFC 3339 timestamp.
    for (const line of only.stdout.split('\n').filter(Boolean)) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: /)

    const except = await runCli(['build', '--except', 'local.one', '--var', `workDir=${workDir}`, SLOW_TEMPLATE], env)
    expect(except.code).toBe(0)
    expect(except.stdout).not.toContain('local.one')
    expect(except.stdout).toContain('--> local.two: Local test artifact two')
    await expectNothingLeft()
  })

  it('colors each build when forced (FORCE_COLOR), and -color=false turns it off again', async () => {
    const colored = await runCli(['build', '-var', `workDir=${workDir}`, SLOW_TEMPLATE], { ...env, FORCE_COLOR: '1' })
    expect(colored.code).toBe(0)
    expect(colored.stdout).toContain('\x1b[32mlocal.one: output will be in this color.')
    expect(colored.stdout).toContain('\x1b[36mlocal.two: output will be in this color.')
    const plain = await runCli(['build', '-color=false', '-var', `workDir=${workDir}`, SLOW_TEMPLATE], { ...env, FORCE_COLOR: '1' })
    expect(plain.code).toBe(0)
    expect(plain.stdout).not.toContain('\x1b[')
    await expectNothingLeft()
  })

  it('a failing build exits 1 with the error in the summary, and cleans up', async () => {
    const r = await runCli(['build', SLOW_TEMPLATE, '-var', `workDir=${workDir}`, '-var', 'fail=true'], env)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^Build 'local\.one' errored after .*: .*the long step failed, as the template asked/m)
    expect(r.stdout).toContain("==> Some builds didn't complete successfully and had errors:\n--> local.one:")
    expect(r.stdout).toContain('==> local.one: Deleting temporary directory...')
    expect(r.stdout).toContain('--> local.two: Local test artifact two')
    await expectNothingLeft()
  })

  it('a cleanup that fails is listed loudly with what to do, exits 1, and tsimg cleanup finishes the job', async () => {
    const r = await runCli(['build', '-only=local.one', '-var', `workDir=${workDir}`, '-var', 'failCleanup=true', SLOW_TEMPLATE], env)
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/==> local\.one: These temporary resources could NOT be deleted and still exist:\n--> local\.one: temporary file .*tmpfile-/)
    expect(r.stdout).toContain("==> Delete them by hand, or run 'tsimg cleanup' to delete them.")
    expect(await readdir(workDir)).toEqual([expect.stringMatching(/^tmpfile-/)])
    const cleanup = await runCli(['cleanup', '-state-dir', stateDir])
    expect(cleanup.code).toBe(0)
    await expectNothingLeft()
  })

  it('-machine-readable prints timestamp,target,type,data lines with escaped commas', async () => {
    const r = await runCli(['build', '-machine-readable', '-only=local.two', '-var', `workDir=${workDir}`, SLOW_TEMPLATE], env)
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    for (const line of lines) expect(line).toMatch(/^\d{10},[^,]*,[a-z-]+(,.*)?$/)
    expect(lines).toContainEqual(expect.stringMatching(/^\d+,,ui,say,==> local\.two: Creating temporary directory\.\.\.$/))
    expect(lines).toContainEqual(expect.stringMatching(/^\d+,local\.two,artifact-count,1$/))
    expect(lines).toContainEqual(expect.stringMatching(/^\d+,local\.two,artifact,0,id,local-two$/))
    expect(lines).toContainEqual(expect.stringMatching(/^\d+,local\.two,artifact,0,end$/))
    await expectNothingLeft()
  })

  it('TSIMG_LOG=1 writes a detailed log to TSIMG_LOG_PATH; a sensitive variable the build prints is redacted there and on the terminal', async () => {
    const logPath = join(stateDir, 'tsimg.log')
    const token = 'ghp_R7uXk2Lq9VzT4mWb8NcY1pDs6HfJ3aEo'
    const r = await runCli(['build', '-only=local.one', '-var', `workDir=${workDir}`, '-var', `apiToken=${token}`, '-var', 'fail=true', SLOW_TEMPLATE], {
      ...env,
      TSIMG_LOG: '1',
      TSIMG_LOG_PATH: logPath,
    })
    expect(r.code).toBe(1)
    const log = await readFile(logPath, 'utf8')
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z \[build-start\] /m)
    expect(log).toContain('[step-start]')
    expect(log).toContain('[cleanup-end]')
    expect(log).toMatch(/\[error\] build local\.one: Error: .*the long step failed/)
    expect(log).toMatch(/^\s+at /m)
    // The source prints `Using token <apiToken>` before it fails.
    expect(log).toContain('Using token <sensitive>')
    expect(r.stdout).toContain('local.one: Using token <sensitive>')
    for (const seen of [log, r.stdout, r.stderr]) expect(seen).not.toContain(token)
  })
})

describe('bad input exits 2 before anything is created', () => {
  it.each([
    [['-foo'], /unknown option/],
    [['-on-error=sometimes'], /on-error.*Allowed choices are cleanup, abort, ask, run-cleanup-provisioner/],
    [['-parallel-builds=many'], /expected a whole number/],
    [['-var', 'noequals'], /-var expects name=value/],
    [['-color=maybe'], /expected true or false/],
  ])('build %j', async (flags, message) => {
    const r = await runCli(['build', SLOW_TEMPLATE, `-var=workDir=${workDir}`, ...flags], env)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1)
    await expectNothingLeft()
  })

  it('a missing required variable names the file and the field, without a stack', async () => {
    for (const command of ['validate', 'build']) {
      const r = await runCli([command, SLOW_TEMPLATE], env)
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/^Error: .*slow\.ts: variables\.workDir: required variable .*TSIMG_VAR_workDir/)
      expect(r.stderr).not.toMatch(/^\s+at /m)
      expect(r.stdout).toBe('')
    }
    // validate and the failed build created nothing: not even the state directory's journal.
    expect(await readdir(stateDir)).toEqual([])
    await expectNothingLeft()
  })

  it('a plain-JS template whose source is not a plugin object is refused by validate and build with exit 2, naming the file and sources[0]', async () => {
    const file = join(workDir, 'not-a-plugin.mjs')
    await writeFile(file, "export default { sources: [{ kind: 'source', type: 'nonexistent' }] }\n")
    for (const command of ['validate', 'build']) {
      const r = await runCli([command, file], env)
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/^Error: .*not-a-plugin\.mjs: sources\[0\]: is not a tsimg source plugin: source "nonexistent" has no steps\(\)/)
      expect(r.stdout).toBe('')
    }
    await rm(file)
    expect(await readdir(stateDir)).toEqual([])
  })

  it('a missing template file exits 2', async () => {
    const r = await runCli(['validate', join(workDir, 'nope.ts')], env)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^Error: .*nope\.ts: file not found/)
  })
})

describe('validate, inspect, version', () => {
  it('validate accepts a good template and creates nothing', async () => {
    const r = await runCli(['validate', '-var', `workDir=${workDir}`, SLOW_TEMPLATE], env)
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('The configuration is valid.\n')
    expect(await readdir(stateDir)).toEqual([])
  })

  it('inspect lists variables (sensitive ones hidden) and builds', async () => {
    const r = await runCli(['inspect', SLOW_TEMPLATE, '-var', 'apiToken=hunter2-very-secret'], env)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('var.workDir: <unset>')
    expect(r.stdout).toContain('var.apiToken: <sensitive>')
    expect(r.stdout).not.toContain('hunter2')
    expect(r.stdout).toMatch(/> sources:\n\n {4}local\.one\n {4}local\.two/)
  })

  it('version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    const r = await runCli(['version'])
    expect(r).toMatchObject({ code: 0, stdout: `tsimg v${pkg.version}\n`, stderr: '' })
  })

  it('an unknown command exits 2', async () => {
    const r = await runCli(['bulid', 'x.ts'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/unknown command 'bulid'/)
  })
})

describe('Ctrl-C', () => {
  it('SIGINT during a long step cancels, tears down, exits 130', async () => {
    const run = startCli(['build', SLOW_TEMPLATE, '-var', `workDir=${workDir}`, '-var', 'sleepSeconds=60'], env)
    await run.waitFor('local.two: Running a long step')
    await run.waitFor('local.one: Running a long step')
    expect(await readdir(workDir)).toHaveLength(4)
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code).toBe(130)
    expect(r.stdout).toContain('==> Cancelling build after receiving interrupt...')
    expect(r.stdout).toContain('==> local.one: Deleting temporary directory...')
    expect(r.stdout).toMatch(/^Build 'local\.two' was cancelled after /m)
    await expectNothingLeft()
  })

  it('SIGTERM cancels the same way', async () => {
    const run = startCli(['build', SLOW_TEMPLATE, '-only=local.two', '-var', `workDir=${workDir}`, '-var', 'sleepSeconds=60'], env)
    await run.waitFor('local.two: Running a long step')
    run.child.kill('SIGTERM')
    const r = await run.done
    expect(r.code).toBe(130)
    expect(r.stdout).toContain('==> Cancelling build after receiving interrupt...')
    await expectNothingLeft()
  })

  it('a second SIGINT exits at once, says what is left; tsimg cleanup then deletes it', async () => {
    const run = startCli(
      ['build', SLOW_TEMPLATE, '-only=local.one', '-var', `workDir=${workDir}`, '-var', 'sleepSeconds=3600', '-var', 'cleanupSeconds=3600'],
      env,
    )
    await run.waitFor('local.one: Running a long step')
    run.child.kill('SIGINT')
    await run.waitFor('local.one: Deleting temporary directory...')
    // The cleanup takes an hour: only the second SIGINT can end the process in time.
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code).toBe(130)
    expect(r.stdout).toMatch(/These temporary resources are being left:\n==> local\.one: temporary directory .*tmpdir-/)
    expect(r.stdout).toContain("Run 'tsimg cleanup' to delete them.")
    const left = await readdir(workDir)
    expect(left).toEqual([expect.stringMatching(/^tmpdir-/)])

    const cleanup = await runCli(['cleanup', '-state-dir', stateDir])
    expect(cleanup.code).toBe(0)
    expect(cleanup.stdout).toContain(`temporary directory ${join(workDir, left[0]!)}`)
    await expectNothingLeft()
  })
})
