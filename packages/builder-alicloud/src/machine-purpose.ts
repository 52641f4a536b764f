// Which machine a step makes: the build's own, or the verify phase's machine of the new image.

/** The build's own instance, or the instance of the new image that the verify phase checks. */
export type MachinePurpose = 'build' | 'verify'
/** Tag of the verify phase's instance and EIP (`verify`), so a lost answer finds them and not the build's. */
export const PURPOSE_TAG = 'tsimg-purpose'
/** Whether ECS's (TagKey/TagValue) or VPC's (Key/Value) tags mark a verify machine's resource. */
export function isVerifyMachine(tags: { tag?: { tagKey?: string; tagValue?: string; key?: string; value?: string }[] } | undefined): boolean {
  return (tags?.tag ?? []).some((t) => (t.tagKey ?? t.key) === PURPOSE_TAG && (t.tagValue ?? t.value) === 'verify')
}
