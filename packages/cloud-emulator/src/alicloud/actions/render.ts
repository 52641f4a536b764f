import type { Tags } from '../../backend/types.js'

/** Alibaba's times: ISO 8601 to the minute or second, UTC, 'Z'. */
export const aliTime = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z')

/** Tags as the ECS API answers them: `{ Tag: [{ TagKey, TagValue }] }`. */
export const renderTags = (tags: Tags): { Tag: { TagKey: string; TagValue: string }[] } => ({
  Tag: [...tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue })),
})

/** Tags as the VPC API answers them (VPCs, vSwitches, EIPs): `{ Tag: [{ Key, Value }] }`. */
export const renderVpcTags = (tags: Tags): { Tag: { Key: string; Value: string }[] } => ({
  Tag: [...tags].map(([Key, Value]) => ({ Key, Value })),
})

/** Does a resource carry every `Tag.N` filter of a Describe call? */
export const matchesTags = (tags: Tags, wanted: readonly { key: string; value: string }[]): boolean =>
  wanted.every((w) => tags.has(w.key) && (w.value === '' || tags.get(w.key) === w.value))

/** PageNumber/PageSize paging, 1-based, as every Describe* action does it. */
export function page<T>(items: readonly T[], pageNumber = 1, pageSize = 10): { items: T[]; TotalCount: number; PageNumber: number; PageSize: number } {
  const size = Math.min(Math.max(pageSize, 1), 100)
  const number = Math.max(pageNumber, 1)
  return { items: items.slice((number - 1) * size, number * size), TotalCount: items.length, PageNumber: number, PageSize: size }
}
