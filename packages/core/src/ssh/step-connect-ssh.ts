import { setTimeout as sleep } from 'node:timers/promises'
import type { BaseState } from '../plugin/types.js'
import type { Step } from '../runner/step.js'
import { SshCommunicator } from './communicator.js'
import type { SshTarget } from './target.js'
import { publicKeyOf } from './keys.js'
import type { Redactor } from '../ui/redact.js'
import { formatDuration } from '../ui/render-common.js'

/**
 * Packer's build values of the communicator, as its SSH communicator sets them: ConnType, Password
 * (ssh_password, "" with a key), SSHPublicKey and SSHPrivateKey (the key it logs in with: the
 * temporary key pair's, or the private key file's), WinRMPassword ("": not WinRM). Templates use
 * them in provisioners (`echo '{{ .Password }}' | sudo -S ...`). The password and the private
 * key are added to the secrets redacted from all output.
 */
function communicatorValues(state: BaseState, redactor: Redactor, login: Pick<SshTarget, 'password' | 'privateKey' | 'passphrase'>, publicKey?: string): void {
  const priv = login.privateKey === undefined ? '' : typeof login.privateKey === 'string' ? login.privateKey : login.privateKey.toString('utf8')
  const g = state.generated
  g.ConnType = 'ssh'
  g.Password = login.password ?? ''
  g.SSHPrivateKey = priv
  g.SSHPublicKey = publicKey ?? (priv ? (publicKeyOf(priv, login.passphrase) ?? '') : '')
  g.WinRMPassword = ''
  redactor.add(login.password)
  redactor.add(priv)
  // Output is redacted line by line: each line of the key's body is a secret of its own.
  for (const line of priv.split(/\r?\n/)) if (!line.startsWith('-----')) redactor.add(line)
}

/**
 * Reads the target the builder computes from its state (address, port, credentials), waits
 * for SSH and connects; sets state.communicator and generated Host/Port/User. Cleanup closes
 * the connection.
 */
export function connectSsh<S extends BaseState>(target: (state: S) => SshTarget | Promise<SshTarget>): Step<S> {
  let comm: SshCommunicator | undefined
  return {
    name: 'ssh:connect',
    async run({ state, ui, signal }) {
      const t = await target(state)
      ui.say(`Using SSH communicator to connect: ${t.host}`)
      if (t.bastion) ui.message(`Through bastion host ${t.bastion.username}@${t.bastion.host}:${t.bastion.port}`)
      const done = ui.wait('Waiting for SSH to become available...')
      try {
        comm = await SshCommunicator.connect(t, { signal })
      } finally {
        done()
      }
      if (t.pauseBeforeConnectingMs) {
        // As Packer does: SSH answered once; wait, then connect again for the provisioners.
        await comm.close()
        comm = undefined
        ui.say(`Pausing ${formatDuration(t.pauseBeforeConnectingMs)} before connecting...`)
        await sleep(t.pauseBeforeConnectingMs, undefined, { signal })
        comm = await SshCommunicator.connect(t, { signal })
      }
      ui.say('Connected to SSH!')
      state.communicator = comm
      state.generated.Host = t.host
      state.generated.Port = t.port
      state.generated.User = t.username
      communicatorValues(state, ui.redactor, t, (state as { sshPublicKey?: string }).sshPublicKey)
    },
    async cleanup({ state }) {
      if (!comm) return
      await comm.close()
      if (state.communicator === comm) delete state.communicator
      comm = undefined
    },
  }
}
