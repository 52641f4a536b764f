import { connect } from 'node:net'

/** Resolves once an SSH server banner is read from address:22 (docker-proxy accepts before sshd listens). */
export async function waitForSshBanner(address: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await banner(address)) return
    if (Date.now() > deadline) throw new Error(`sshd on ${address}:22 did not answer within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

function banner(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port: 22 })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(2000, () => done(false))
    socket.once('data', (d: Buffer) => done(d.toString('latin1').startsWith('SSH-')))
    socket.once('error', () => done(false))
    socket.once('close', () => done(false))
  })
}
