import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'

/**
 * `tsimg-` + 10 lowercase base36 characters: short enough for cloud names and tags
 * (key pair, security group), unique enough to tell builds apart (36^10 ≈ 3.6e15).
 */
export function newBuildId(): string {
  const bytes = randomBytes(10)
  let id = 'tsimg-'
  for (const b of bytes) id += ALPHABET[b % 36]
  return id
}
