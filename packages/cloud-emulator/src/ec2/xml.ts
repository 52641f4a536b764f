/** EC2's XML: lowerCamel element names, lists as <item>, dates ISO-8601, booleans true/false. */

const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/'

export type XmlValue = string | number | boolean | Date | undefined | null | XmlValue[] | { [key: string]: XmlValue }

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

function render(value: XmlValue): string {
  if (value === undefined || value === null) return ''
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map((v) => element('item', v)).join('')
  if (typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => element(k, v))
      .join('')
  return escape(String(value))
}

function element(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return ''
  return `<${name}>${render(value)}</${name}>`
}

export function response(action: string, requestId: string, body: Record<string, XmlValue>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>${requestId}</requestId>${render(body)}</${action}Response>`
}

export function errorResponse(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
}

/** Tags as EC2's tagSet. */
export function tagSet(tags: ReadonlyMap<string, string>): XmlValue[] {
  return [...tags].map(([key, value]) => ({ key, value }))
}
