// Every cloud: a cancel as the teardown starts (all steps ended, the image finished) keeps the
// image, lists it as kept and never as a successful artifact, and leaves nothing else.
import { describe, it } from 'vitest'
import { expectKeptAfterTeardownCancel } from './support/cloud-matrix.js'
import { AWS_MATRIX } from '../packages/builder-aws/test/support.js'
import { ALICLOUD_MATRIX } from '../packages/builder-alicloud/test/support.js'
import { HUAWEI_MATRIX } from '../packages/builder-huawei/test/support.js'

describe.concurrent('a cancel after the image was finished', { timeout: 600_000 }, () => {
  it('amazon-ebs: cancelled, the AMI (and its snapshots) kept and listed as kept, nothing else left', () => expectKeptAfterTeardownCancel(AWS_MATRIX))
  it('alicloud-ecs: cancelled, the image (and its snapshots) kept and listed as kept, nothing else left', () => expectKeptAfterTeardownCancel(ALICLOUD_MATRIX))
  it('huaweicloud-ecs: cancelled, the image kept and listed as kept, nothing else left', () => expectKeptAfterTeardownCancel(HUAWEI_MATRIX))
})
