import { StringDecoder } from 'node:string_decoder'

/** Splits a byte stream into lines (UTF-8 safe across chunks, `\r\n` and `\n`), for line-by-line output. */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8')
  #rest = ''
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.#rest + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk))
    let start = 0
    for (;;) {
      const nl = text.indexOf('\n', start)
      if (nl === -1) break
      this.onLine(stripCr(text.slice(start, nl)))
      start = nl + 1
    }
    this.#rest = text.slice(start)
  }

  /** The last line, if the stream did not end with a newline. */
  end(): void {
    const text = this.#rest + this.#decoder.end()
    this.#rest = ''
    if (text) this.onLine(stripCr(text))
  }
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s
}
