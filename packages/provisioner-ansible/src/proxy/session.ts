import type { ClientChannel, PseudoTtyInfo, ServerChannel, Session } from 'ssh2'
import { finished } from 'node:stream/promises'
import { signalChannel } from '@tsimg/core/plugin'
import { isProcessChannel, type UpstreamClient } from './process-channel.js'

/** Where a session's command runs: the machine's SSH connection, (re)connected on demand, or docker exec. */
export interface Upstream {
  client(): Promise<UpstreamClient>
  /** Commands run for ansible's `sftp` subsystem request; undefined: the machine's own subsystem. */
  readonly sftpCommand?: string | undefined
  /** Open channels, so that shutting the proxy down can stop what still runs. */
  readonly channels: Set<ClientChannel>
  /** For the detailed log. */
  debug(message: string): void
}

/**
 * Carries one of ansible's SSH sessions (an `exec`, or the `sftp` subsystem) to a session
 * of its own on the machine: pty, environment, stdin, stdout, stderr, signals and the exit
 * status travel unchanged, so ansible's ssh, scp and sftp cannot tell the difference.
 */
export function forwardSession(session: Session, up: Upstream): void {
  const env: Record<string, string> = {}
  let pty: PseudoTtyInfo | undefined
  let remote: ClientChannel | undefined

  session.on('env', (accept, _reject, info) => {
    env[info.key] = info.val
    accept?.()
  })
  session.on('pty', (accept, _reject, info) => {
    pty = info
    accept?.()
  })
  session.on('window-change', (accept, _reject, info) => {
    remote?.setWindow(info.rows, info.cols, info.height, info.width)
    accept?.()
  })
  session.on('signal', (accept, _reject, info) => {
    if (remote) sendSignal(remote, info.name)
    accept?.()
  })
  session.on('shell', (_accept, reject) => reject?.())
  session.on('exec', (accept, _reject, info) => {
    up.debug(`exec: ${info.command}`)
    relay(accept(), (c, done) => c.exec(info.command, { env, ...(pty ? { pty } : {}) }, done))
  })
  session.on('subsystem', (accept, reject, info) => {
    if (info.name !== 'sftp') return reject?.()
    const cmd = up.sftpCommand
    up.debug(cmd ? `sftp through: ${cmd}` : 'sftp subsystem')
    relay(accept(), (c, done) => (cmd ? c.exec(cmd, { env }, done) : c.subsys('sftp', done)))
  })

  /**
   * Accepting at once matters: data ansible sends before the reply would be dropped. The
   * local channel is read only once the machine's channel is open, so nothing is lost.
   */
  function relay(local: ServerChannel, open: (c: UpstreamClient, done: (err: Error | undefined, ch: ClientChannel) => void) => void): void {
    local.pause()
    let localGone = false
    local.on('close', () => {
      localGone = true
      if (remote) stop(remote)
    })
    // ssh2 calls this in the same tick as the machine's reply to the exec: see wire().
    const opened = (err: Error | undefined, ch?: ClientChannel): void => (err || !ch ? unreachable(local, err ?? new Error('no channel')) : wire(ch))
    up.client().then(
      (c) => {
        try {
          open(c, opened)
        } catch (err) {
          opened(err as Error)
        }
      },
      (err: Error) => opened(err),
    )

    /**
     * Everything is hooked onto the machine's channel before control returns to ssh2. For a
     * short command, sshd's reply, output, exit status and close often reach us in one read,
     * which ssh2 parses in one go: a listener added a microtask later (after a promise) misses
     * the `exit` event, and the session would end without a status (255, "unreachable").
     * Output is buffered by the stream until read, so only the status could be lost.
     */
    function wire(ch: ClientChannel): void {
      remote = ch
      up.channels.add(ch)
      if (localGone) return stop(ch)
      let exit: { code: number } | { signal: string; dumped: boolean; desc: string } | undefined
      ch.on('exit', (code: number | null, signal?: string, dumped?: boolean, desc?: string) => {
        exit = signal ? { signal: signal.replace(/^SIG/, ''), dumped: !!dumped, desc: desc ?? '' } : { code: code ?? 255 }
      })
      ch.pipe(local, { end: false })
      ch.stderr.pipe(local.stderr, { end: false })
      local.pipe(ch)
      local.resume()
      ch.on('close', () => {
        up.channels.delete(ch)
        if (localGone) return
        // The exit status must follow every byte of output, and come before the close. ssh2
        // closes the channel once stdout is read; stderr may still hold data a slow reader left.
        void ended(ch.stderr)
          .then(() => Promise.all([flushed(local, local), flushed(local.stderr, local)]))
          .then(() => {
            if (localGone) return
            if (exit && 'code' in exit) local.exit(exit.code)
            else if (exit) local.exit(exit.signal, exit.dumped, exit.desc)
            local.end()
          })
      })
    }
  }

  function unreachable(local: ServerChannel, err: Error): void {
    up.debug(`cannot open a session on the machine: ${err.message}`)
    local.stderr.write(`tsimg ansible proxy: cannot reach the machine: ${err.message}\n`)
    local.exit(255)
    local.end()
  }
}

/** Ends a command on the machine: the signal makes sshd stop its process group, then close. */
export function stop(ch: ClientChannel): void {
  sendSignal(ch, 'TERM')
  ch.close()
}

function sendSignal(ch: ClientChannel, name: string): void {
  if (isProcessChannel(ch)) ch.kill(name)
  else signalChannel(ch, name)
}

/** Resolves once a stream of the machine's channel has given all its data (or failed). */
function ended(stream: NodeJS.ReadableStream): Promise<void> {
  return finished(stream, { writable: false }).catch(() => undefined)
}

/**
 * Resolves once everything written to the stream so far has gone out (an empty write is
 * called back after the writes queued before it), or when the channel closes meanwhile.
 */
function flushed(stream: NodeJS.WritableStream, channel: ServerChannel): Promise<void> {
  return new Promise((resolve) => {
    channel.once('close', () => resolve())
    stream.write(Buffer.alloc(0), () => resolve())
  })
}
