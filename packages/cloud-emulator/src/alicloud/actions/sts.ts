import type { Handler } from '../server.js'
import type { AliState } from '../state.js'

/**
 * STS 2015-04-01: GetCallerIdentity, the one call that tells which account an AccessKey
 * reaches (tsimg records it so `tsimg cleanup` never deletes in another account). The
 * emulator's keys are the account's own keys, as a root AccessKey's are on Alibaba.
 */
export function stsActions(state: AliState): Record<string, Handler> {
  const account = state.cloud.accountId
  return {
    GetCallerIdentity: () => ({ AccountId: account, UserId: account, PrincipalId: account, IdentityType: 'Account', Arn: `acs:ram::${account}:root` }),
  }
}
