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
