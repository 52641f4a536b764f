import type { VimClient } from '../vim/client.js'
import type { MoRef } from '../vim/xml.js'
import type { PutUsbScanCodes } from './type-keys.js'

/**
 * PutUsbScanCodes on one VM, one key event per call, as Packer's vSphere driver sends it: the
 * event's usbHidCode and the left Ctrl, Shift and Alt modifiers (in the WSDL's element order).
 * Resolves with the number of events vSphere says it injected.
 */
export function usbScanCodeSender(client: VimClient, vm: MoRef): PutUsbScanCodes {
  return async (event, signal) => {
    const res = await client.call(
      'PutUsbScanCodes',
      vm,
      {
        spec: {
          keyEvents: [{ usbHidCode: event.usbHidCode, modifiers: { leftControl: event.leftControl, leftShift: event.leftShift, leftAlt: event.leftAlt } }],
        },
      },
      { signal },
    )
    return Number(res ?? 0)
  }
}
