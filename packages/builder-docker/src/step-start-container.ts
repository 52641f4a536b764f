import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { BUILD_ID_LABEL, CORE_PLUGIN, CancelledError, TsimgError, errorMessage, type BuildJournal, type Step } from '@tsimg/core/plugin'
import { createJournaled } from './create-journaled.js'
import { containersWithLabels, docker, removeContainer } from './docker-cli.js'
import { BUILD_NAME_LABEL, PLUGIN, type DockerEnv, type DockerState } from './state.js'

/**
 * PID 1 of the build container: waits until `docker stop`, whatever the image's own command
 * would do (it may exit at once, or need a TTY). sshd is started separately with docker exec.
 */
const KEEP_ALIVE = 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'

/** The container-side port sshd listens on (sshPort, default 22). */
export const containerSshPort = (env: DockerEnv): number => env.options.sshPort ?? 22

/**
 * Reads state.sourceImage; starts the temporary container (labelled with the build id and
 * name, sshd's port published on 127.0.0.1 only; journaled from before `docker run` starts, see
 * createJournaled) and sets state.container and state.sshHostPort. Cleanup removes it (`docker rm -f`) on success
 * too, and also any container of this build that `docker run` created but never reported.
 */
export function startContainer(env: DockerEnv): Step<DockerState> {
  // The `docker run` in flight: cleanup waits for it, so a container created while the
  // build was being cancelled is still removed.
  let pending: Promise<unknown> | undefined
  return {
    name: 'docker:start-container',
    async run({ state, ui, signal, journal, build }) {
      const src = state.sourceImage
      if (!src) throw new TsimgError('NO_SOURCE_IMAGE', 'docker:start-container needs state.sourceImage (the docker:source-image step)')
      await journal.addScope({ plugin: PLUGIN, data: {} })
      ui.say('Starting docker container...')
      const ssh = env.options.communicator === 'ssh'
      if (env.options.containerDir) {
        const path = await mkdtemp(join(tmpdir(), 'tsimg-docker-'))
        // Journaled as core's `dir`, so `tsimg cleanup` removes it after a kill -9.
        state.hostDir = {
          path,
          journalId: await journal.add({
            plugin: CORE_PLUGIN,
            kind: 'dir',
            description: `folder ${path} mounted at ${env.options.containerDir}`,
            data: { path },
          }),
        }
      }
      // An image with an entrypoint would get our command as its arguments; replace it (and
      // restore it at commit) so the container just waits. A runCommand is the user's own.
      const own = env.options.runCommand
      const overrideEntrypoint = !own && src.entrypoint !== null
      const args = [
        'run',
        ...(own ? [] : ['-d']),
        '--label',
        `${BUILD_ID_LABEL}=${build.id}`,
        '--label',
        `${BUILD_NAME_LABEL}=${build.name}`,
        ...(ssh ? ['-p', `127.0.0.1::${containerSshPort(env)}`] : []),
        ...runOptions(env, state.hostDir?.path),
        ...(own
          ? own.map((a) => a.replace(/\{\{\s*\.Image\s*\}\}/g, src.ref))
          : [
              ...(overrideEntrypoint ? ['--entrypoint', '/bin/sh'] : []),
              src.ref,
              ...(overrideEntrypoint ? ['-c', KEEP_ALIVE] : ['/bin/sh', '-c', KEEP_ALIVE]),
            ]),
      ]
      ui.message(`Run command: docker ${args.map(displayArg).join(' ')}`)
      const labels = { [BUILD_ID_LABEL]: build.id, [BUILD_NAME_LABEL]: build.name }
      const record = async (): Promise<string> => {
        let id = ''
        await createJournaled(args, { kind: 'container', labels }, { journal, build }, async ({ stdout }) => {
          id = stdout.trim().split('\n').pop() ?? ''
          if (!/^[0-9a-f]{12,64}$/.test(id)) throw new TsimgError('DOCKER_RUN_OUTPUT', `docker run printed no container id: ${stdout.trim()}`)
          state.container = { id, journalId: '', entrypointOverridden: overrideEntrypoint, ownRunCommand: !!own }
          state.container.journalId = await journal.add({
            plugin: PLUGIN,
            kind: 'container',
            description: `container ${id.slice(0, 12)} (${build.name})`,
            data: { id },
          })
        })
        return id
      }
      const started = record()
      pending = started.catch(() => undefined)
      const id = await started
      state.generated.ID = id
      ui.message(`Container ID: ${id}`)
      if (signal.aborted) throw new CancelledError()

      if (!ssh) return
      state.sshHostPort = await publishedPort(id, containerSshPort(env), signal)
      state.generated.Host = '127.0.0.1'
      state.generated.Port = state.sshHostPort
    },
    async cleanup({ state, ui, signal, journal, build }) {
      await pending
      const c = state.container
      if (c) {
        state.machineDown = true
        ui.say(`Killing the container: ${c.id}`)
        await removeContainer(c.id, signal)
        await journal.remove(c.journalId)
        delete state.container
        await removeHostDir(state, journal)
        return
      }
      // `docker run` failed or was cut short: it may still have created (not started) one.
      const labels = { [BUILD_ID_LABEL]: build.id, [BUILD_NAME_LABEL]: build.name }
      for (const id of await containersWithLabels(labels, signal)) {
        ui.say(`Removing the container docker run left behind: ${id}`)
        await removeContainer(id, signal)
      }
      await removeHostDir(state, journal)
    },
  }
}

async function removeHostDir(state: DockerState, journal: BuildJournal): Promise<void> {
  if (!state.hostDir) return
  await rm(state.hostDir.path, { recursive: true, force: true })
  await journal.remove(state.hostDir.journalId)
  delete state.hostDir
}

/** `docker run` flags from the options, before the user's own runArgs. */
function runOptions(env: DockerEnv, hostDir: string | undefined): string[] {
  const o = env.options
  return [
    ...(o.platform ? ['--platform', o.platform] : []),
    ...(o.privileged ? ['--privileged'] : []),
    ...(hostDir && o.containerDir ? ['-v', `${hostDir}:${o.containerDir}`] : []),
    ...Object.entries(o.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    ...Object.entries(o.volumes).flatMap(([host, dest]) => ['-v', `${resolve(env.build.templateDir, host)}:${dest}`]),
    ...o.capAdd.flatMap((c) => ['--cap-add', c]),
    ...o.capDrop.flatMap((c) => ['--cap-drop', c]),
    ...o.runArgs,
  ]
}

/** `docker port` -> the host port bound on 127.0.0.1 for the container port. */
async function publishedPort(id: string, port: number, signal: AbortSignal): Promise<number> {
  let out: string
  try {
    out = (await docker(['port', id, `${port}/tcp`], { signal })).stdout
  } catch (err) {
    throw new TsimgError('NO_PUBLISHED_PORT', `cannot find the published SSH port of container ${id.slice(0, 12)}: ${errorMessage(err)}`, {
      cause: err,
      hint: 'The container may have exited at once; see `docker logs` of a run of the same image.',
    })
  }
  const m = /127\.0\.0\.1:(\d+)/.exec(out)
  if (!m) throw new TsimgError('NO_PUBLISHED_PORT', `container port ${port} is not published on 127.0.0.1 (docker port said: ${out.trim() || 'nothing'})`)
  return Number(m[1])
}

/** Quotes an argument for the `Run command:` line only (it is never passed to a shell). */
function displayArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`
}
