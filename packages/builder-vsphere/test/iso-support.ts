/** Helpers of the vsphere-iso tests over test/support/vcsim.ts. */
import { request } from 'node:https'
import type { Vcsim } from '../../../test/support/vcsim.js'

export interface RecordedKeyEvent {
  usbHidCode: number
  leftControl: boolean
  leftShift: boolean
  leftAlt: boolean
  leftGui: boolean
  rightControl: boolean
  rightShift: boolean
  rightAlt: boolean
  rightGui: boolean
}

/** What tsimg-vcsim's PutUsbScanCodes recorded, per VM moref (scripts/vcsim/usb.go). */
export async function recordedScanCodes(sim: Vcsim, clear = false): Promise<Record<string, RecordedKeyEvent[]>> {
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(`https://${sim.server}/tsimg/usb-scan-codes`, { method: clear ? 'DELETE' : 'GET', rejectUnauthorized: false }, (res) => {
      let t = ''
      res.on('data', (c: Buffer) => (t += c.toString()))
      res.on('end', () => (res.statusCode === 200 ? resolve(t) : reject(new Error(`usb-scan-codes: HTTP ${res.statusCode}: ${t}`))))
    })
    req.on('error', reject)
    req.end()
  })
  return JSON.parse(text) as Record<string, RecordedKeyEvent[]>
}
