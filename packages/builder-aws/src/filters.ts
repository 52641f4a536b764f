import type { Filter } from '@aws-sdk/client-ec2'

/** `{ name: 'debian-*', 'virtualization-type': 'hvm' }` as EC2's Describe* filters. */
export function toFilters(filters: Readonly<Record<string, string | string[]>>): Filter[] {
  return Object.entries(filters).map(([Name, v]) => ({ Name, Values: Array.isArray(v) ? v : [v] }))
}
