/** Replaces every known secret in text with `<sensitive>`, as Packer does. */
export class Redactor {
  readonly #secrets = new Set<string>()

  add(secret: unknown): void {
    if (typeof secret !== 'string') return
    // Very short values would redact ordinary words; they are still never printed on purpose.
    if (secret.length < 4) return
    this.#secrets.add(secret)
    const trimmed = secret.trim()
    if (trimmed !== secret && trimmed.length >= 4) this.#secrets.add(trimmed)
  }

  redact(text: string): string {
    let out = text
    // Longest first, so a secret that contains another is replaced whole.
    for (const s of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(s)) out = out.split(s).join('<sensitive>')
    }
    return out
  }

  get size(): number {
    return this.#secrets.size
  }
}
