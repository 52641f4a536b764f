/** Result of a remote command. A dropped connection is a DisconnectedError, never an exit code. */
export interface ExecResult {
  /** The command's exit status; null only when it was killed by a signal. */
  readonly exitCode: number | null
  /** The signal that killed the command, if any (e.g. `TERM`). */
  readonly exitSignal?: string
}

export interface ExecOptions {
  /** Called once per line of standard output, without the newline. */
  onStdout?: (line: string) => void
  onStderr?: (line: string) => void
  /** Aborting closes the command's channel. */
  signal?: AbortSignal
  /** Ask for a pseudo-terminal (Packer's `ssh_pty`). */
  pty?: boolean
}

export interface TransferOptions {
  signal?: AbortSignal
  /** File mode for created files, e.g. 0o755. Defaults to the local file's mode. */
  mode?: number
}

export interface SpawnOptions {
  /**
   * Environment of the command. A communicator delivers it without putting the values on any
   * command line (`ps` on the host shows no secrets); with SSH it is sent as `env` requests.
   */
  env?: Readonly<Record<string, string>>
  /** Aborting stops the command (its process group gets TERM) and rejects `done` with CancelledError. */
  signal?: AbortSignal
}

/** A command started with raw streams, for relaying a session (the ansible provisioner's proxy). */
export interface RemoteProcess {
  /** The command's standard input; ending it sends EOF. */
  readonly stdin: NodeJS.WritableStream
  readonly stdout: NodeJS.ReadableStream
  readonly stderr: NodeJS.ReadableStream
  /**
   * Settles once the command ended and stdout and stderr have ended: its status, or
   * DisconnectedError when the machine went away meanwhile, or a TsimgError when the command
   * could not be started at all.
   */
  readonly done: Promise<ExecResult>
  /** Sends a signal (default TERM) to the command and what it started. */
  kill(signal?: string): void
}

/**
 * How provisioners reach the machine. Implemented over ssh2 (SSH exec + SFTP);
 * builders provide one in their state after connecting.
 */
export interface Communicator {
  /** `user@host:port`, for messages. */
  readonly target: string
  /** False once the connection is known to be lost or closed (until `reconnect()`); undefined when unknown. */
  readonly connected?: boolean
  exec(command: string, options?: ExecOptions): Promise<ExecResult>
  /**
   * Starts a command with raw stdin/stdout/stderr (no line splitting). Communicators without
   * an SSH client of their own (docker exec) implement it, so that an SSH proxy can carry
   * sessions to them.
   */
  spawn?(command: string, options?: SpawnOptions): RemoteProcess
  /** Upload one local file to a remote file path. */
  uploadFile(localPath: string, remotePath: string, options?: TransferOptions): Promise<void>
  /** Upload bytes to a remote file path. */
  uploadContent(content: string | Uint8Array, remotePath: string, options?: TransferOptions): Promise<void>
  /** Upload the contents of localDir into remoteDir (created if missing), recursively. */
  uploadDir(localDir: string, remoteDir: string, options?: TransferOptions): Promise<void>
  downloadFile(remotePath: string, localPath: string, options?: TransferOptions): Promise<void>
  /** Download the contents of remoteDir into localDir (created if missing), recursively. */
  downloadDir(remoteDir: string, localDir: string, options?: TransferOptions): Promise<void>
  /** Whether a remote path is a directory (false when it does not exist). */
  isDir(remotePath: string): Promise<boolean>
  /**
   * Drop the current connection and connect again, waiting up to timeoutMs
   * (after an expected disconnect such as a reboot).
   */
  reconnect(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<void>
  close(): Promise<void>
}
