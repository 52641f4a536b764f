import { Client } from 'ssh2'

/** Runs a command over SSH with a private key and returns its output (stdout and stderr). */
export function ssh(host: string, username: string, privateKey: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = new Client()
    c.on('ready', () => {
      c.exec(command, (err, stream) => {
        if (err) return reject(err)
        let out = ''
        stream.on('data', (d: Buffer) => (out += d.toString()))
        stream.stderr.on('data', (d: Buffer) => (out += d.toString()))
        stream.on('close', () => {
          c.end()
          resolve(out)
        })
      })
    })
    c.on('error', reject)
    c.connect({ host, port: 22, username, privateKey, readyTimeout: 20_000 })
  })
}

/** The SSH host key a server presents (base64 of its public key blob). */
export function hostKey(host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = new Client()
    let key = ''
    c.on('error', (e) => (key ? resolve(key) : reject(e)))
    c.on('close', () => (key ? resolve(key) : reject(new Error('no host key'))))
    c.connect({
      host,
      port: 22,
      username: 'nobody',
      readyTimeout: 20_000,
      privateKey: undefined,
      hostVerifier: (k: Buffer) => {
        key = k.toString('base64')
        return true
      },
    })
    c.on('ready', () => c.end())
  })
}
