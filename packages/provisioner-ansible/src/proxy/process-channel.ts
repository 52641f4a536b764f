import { Duplex } from 'node:stream'
import type { ClientChannel, PseudoTtyOptions } from 'ssh2'
import type { Communicator, RemoteProcess } from '@tsimg/core/plugin'

/** A communicator without an SSH client of its own (docker exec): it starts raw processes. */
export type SpawningConnection = Pick<Communicator, 'connected' | 'reconnect' | 'target'> & Required<Pick<Communicator, 'spawn'>>

/** What the proxy's sessions open channels on: an ssh2 Client, or processClient() of a spawning communicator. */
export interface UpstreamClient {
  exec(
    command: string,
    options: { env?: Record<string, string>; pty?: PseudoTtyOptions | boolean },
    done: (err: Error | undefined, ch: ClientChannel) => void,
  ): unknown
  subsys(name: string, done: (err: Error | undefined, ch: ClientChannel) => void): unknown
}

/**
 * One command of a spawning communicator, shaped as the ssh2 channel the proxy's session relay
 * expects: stdin/stdout as the duplex, `stderr`, `exit` then `close`. A pty cannot be had
 * (docker exec -t would merge the streams); ansible does not ask for one unless `become`
 * needs a tty, which plain images do not configure.
 */
class ProcessChannel extends Duplex {
  readonly stderr: NodeJS.ReadableStream

  constructor(private readonly proc: RemoteProcess) {
    super({ allowHalfOpen: true, emitClose: false, autoDestroy: false })
    this.stderr = proc.stderr
    proc.stdout.on('data', (b: Buffer) => {
      if (!this.push(b)) proc.stdout.pause()
    })
    const ended = new Promise<void>((resolve) => proc.stdout.once('end', () => (this.push(null), resolve())))
    proc.done.then(
      (r) => void ended.then(() => (this.emit('exit', r.exitCode ?? 255), this.emit('close'))),
      // No status: the relay then ends ansible's session without one, as for a lost SSH connection.
      () => void ended.then(() => this.emit('close')),
    )
  }

  override _read(): void {
    this.proc.stdout.resume()
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.proc.stdin.write(chunk, (err?: Error | null) => done(err ?? null))
  }

  override _final(done: (err?: Error | null) => void): void {
    this.proc.stdin.end()
    done()
  }

  /** An SSH `signal` request: the command's process group gets it. */
  kill(name: string): void {
    this.proc.kill(name)
  }

  close(): void {
    this.proc.kill('TERM')
  }

  setWindow(): void {}
}

/** Channels of a spawning communicator; there is no sftp subsystem (ansible transfers files piped over exec). */
export function processClient(conn: SpawningConnection): UpstreamClient {
  return {
    exec(command, options, done) {
      try {
        done(undefined, new ProcessChannel(conn.spawn(command, options.env ? { env: options.env } : {})) as unknown as ClientChannel)
      } catch (err) {
        done(err as Error, undefined as unknown as ClientChannel)
      }
    },
    subsys(name, done) {
      done(new Error(`${conn.target} has no ${name} subsystem (files go over exec: ANSIBLE_SSH_TRANSFER_METHOD=piped)`), undefined as unknown as ClientChannel)
    },
  }
}

/** Sends a signal to what a channel runs: the docker process group, or sshd's over the SSH protocol. */
export function isProcessChannel(ch: unknown): ch is { kill(name: string): void } {
  return ch instanceof ProcessChannel
}
