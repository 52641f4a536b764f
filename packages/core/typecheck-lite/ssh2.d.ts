// Stand-in for the `ssh2` module in the template type-check's light first pass (see node.d.ts):
// @types/ssh2 references @types/node, which that pass leaves out. Only the names tsimg's own
// declarations import from it, branded so that no value is one of them.
export interface Client {
  readonly '@tsimg/typecheck-lite: stand-in, @types/node is not loaded': never
}
export interface ClientChannel {
  readonly '@tsimg/typecheck-lite: stand-in, @types/node is not loaded': never
}
