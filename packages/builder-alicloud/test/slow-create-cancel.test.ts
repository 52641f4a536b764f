import { describe, it } from 'vitest'
import { expectSlowCreateCancelled, isolated } from '../../../test/support/cloud-matrix.js'
import { ALICLOUD_MATRIX, CREATES } from './support.js'

// The subject is the API (a slow create) and the teardown: machines on paper. The rows share
// nothing, so each has an emulator of its own and they wait out their slow calls side by side.
describe.concurrent('a cancel while a create is in flight leaves nothing behind', () => {
  it.each(CREATES)(
    'cancelled while $action is slow (the server acts after the cancel): cleanup awaits it and deletes what it made',
    (create) =>
      isolated(
        ALICLOUD_MATRIX,
        // The server waits 4 s, then acts: the cancel lands while the request is in flight.
        (m) =>
          expectSlowCreateCancelled(m, { create, holdMs: 4000, cloud: 'alicloud', over: { imageIgnoreDataDisks: true, imageCopyRegions: ['cn-hangzhou'] } }),
        { seed: 34 },
      ),
    600_000,
  )
})
