import { TsimgError } from '@tsimg/core/plugin'

/** Packer's default for Ansible 2+: one line naming the host, its SSH port and user. */
const DEFAULT_INVENTORY_TEMPLATE = '{{ .HostAlias }} ansible_host={{ .Host }} ansible_user={{ .User }} ansible_port={{ .Port }}\n'

export interface InventoryInput {
  readonly template?: string | undefined
  /** HostAlias, Host, User, Port and the builder's generated values. */
  readonly values: Readonly<Record<string, unknown>>
  readonly groups?: readonly string[] | undefined
  readonly emptyGroups?: readonly string[] | undefined
}

/**
 * The inventory text, as Packer writes it: the host line, then each group holding the same
 * line, then the empty groups. `{{ .Name }}` placeholders take the values given; an unknown
 * name is an error (a typo would otherwise become an empty host or port).
 */
export function renderInventory(input: InventoryInput): string {
  const line = (input.template ?? DEFAULT_INVENTORY_TEMPLATE).replace(/\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => {
    const v = input.values[name]
    if (v === undefined || v === null || typeof v === 'object') {
      const known = Object.keys(input.values).filter((k) => ['string', 'number', 'boolean'].includes(typeof input.values[k]))
      throw new TsimgError('ANSIBLE_INVENTORY', `inventoryFileTemplate: {{ .${name} }} has no value in this build (known: ${known.sort().join(', ')})`)
    }
    return String(v)
  })
  const host = line.endsWith('\n') ? line : `${line}\n`
  let text = host
  for (const g of input.groups ?? []) text += `[${g}]\n${host}`
  for (const g of input.emptyGroups ?? []) text += `[${g}]\n`
  return text
}
