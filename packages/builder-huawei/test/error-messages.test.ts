// Huawei's services answer errors in four shapes; the SDK reads two and drops the body of the
// others (VPC v1, Nova), so users saw "Request failed with status code 400". tsimg reads the
// body: the build's error carries the service's code and message.
import { describe, expect, it } from 'vitest'
import { parseAnswer } from '@tsimg/builder-huawei/api'
import { emulatorSource, runBuild, useEmulator } from './support.js'

const t = useEmulator()

describe('Huawei errors carry the service code and message', { timeout: 600_000 }, () => {
  it.each([
    { action: 'NovaCreateKeypair', code: 'badRequest', status: 400, message: 'Keypair data is invalid: failed to generate fingerprint' },
    { action: 'CreateVpc', code: 'VPC.0101', status: 400, message: 'Invalid cidr 10.0.0.0/33' },
    { action: 'CreateSubnet', code: 'VPC.0206', status: 400, message: 'Subnet cidr conflicts with another subnet' },
    { action: 'CreateSecurityGroup', code: 'VPC.0601', status: 400, message: 'Security group quota exceeded' },
  ])(
    '$action refused with $status: the build fails naming $code and the message, not "Request failed with status code"',
    async ({ action, code, status, message }) => {
      t.emu.injectFault({ action, cloud: 'huaweicloud', code, status, message, times: 1 })
      const { summary } = await runBuild(emulatorSource(t.emu), { stateDir: t.stateDir })
      expect(summary.outcome).toBe('failed')
      const text = summary.error?.message ?? ''
      expect(text).toContain(message)
      expect(text).toContain(`${code} (HTTP ${status})`)
      expect(text).not.toContain('Request failed with status code')
    },
  )
})

describe('parseAnswer: the error shapes the SDK drops get the fields it reads', () => {
  it.each([
    ['VPC v1', { code: 'VPC.0101', message: 'bad cidr' }, 'VPC.0101', 'bad cidr'],
    ['Nova', { conflictingRequest: { code: 409, message: 'Key pair exists' } }, 'conflictingRequest', 'Key pair exists'],
    ['Neutron', { NeutronError: { type: 'SecurityGroupInUse', message: 'Security group in use', detail: '' } }, 'SecurityGroupInUse', 'Security group in use'],
  ])('%s', (_shape, body, code, msg) => {
    expect(parseAnswer(JSON.stringify(body), {}, 400)).toMatchObject({ error_code: code, error_msg: msg })
  })
  it('leaves the shapes the SDK reads, success answers and non-JSON bodies as they are', () => {
    expect(parseAnswer('{"error_code":"APIGW.0301","error_msg":"x"}', {}, 401)).toEqual({ error_code: 'APIGW.0301', error_msg: 'x' })
    expect(parseAnswer('{"error":{"code":"Ecs.0114","message":"x"}}', {}, 400)).toEqual({ error: { code: 'Ecs.0114', message: 'x' } })
    expect(parseAnswer('{"code":"x","message":"y"}', {}, 200)).toEqual({ code: 'x', message: 'y' })
    expect(parseAnswer('<html>bad gateway</html>', {}, 502)).toBe('<html>bad gateway</html>')
  })
})
