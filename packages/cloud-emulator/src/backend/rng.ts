/**
 * Seeded randomness, so a test that injects faults with a probability gets the same
 * sequence of failures on every run.
 */
export class Rng {
  private state: number

  constructor(seed: number = Date.now()) {
    this.state = seed >>> 0 || 0x9e3779b9
  }

  /** mulberry32: small, fast, good enough to decide which calls fail. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  hex(length: number): string {
    let out = ''
    while (out.length < length) out += Math.floor(this.next() * 16).toString(16)
    return out
  }

  /** An EC2-shaped id: `i-0` followed by 16 hex digits. */
  id(prefix: string): string {
    return `${prefix}-0${this.hex(16)}`
  }
}
