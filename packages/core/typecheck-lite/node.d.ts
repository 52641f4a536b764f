// Stand-ins for the few @types/node names that tsimg's own declarations (dist/*.d.ts) mention,
// used only by the template type-check's light first pass, which leaves out @types/node (about
// 25 MB and a third of the compiler's time). Each is branded with a property no value has, so a
// template that uses one of them (passes a value where it is expected, reads a member) gets an
// error here and is then checked again with the real @types/node, whose diagnostics are the ones
// reported: the light pass can only say "clean" when the real check would too. The test
// "the light pass's stand-ins cover every Node name tsimg's declarations use" keeps this list
// complete (a name missing here would be `any` in the light pass). A script, not a module: its
// declarations are global and its `declare module` is ambient.
interface AbortSignal {
  readonly '@tsimg/typecheck-lite: stand-in, @types/node is not loaded': never
}
interface Buffer {
  readonly '@tsimg/typecheck-lite: stand-in, @types/node is not loaded': never
}
declare namespace NodeJS {
  interface ProcessEnv {
    readonly '@tsimg/typecheck-lite: stand-in, @types/node is not loaded': never
  }
  interface ReadableStream {
    readonly '@tsimg/typecheck-lite: stand-in, @types/node is not loaded': never
  }
  interface WritableStream {
    readonly '@tsimg/typecheck-lite: stand-in, @types/node is not loaded': never
  }
}

declare module 'node:child_process' {
  interface ChildProcess {
    readonly '@tsimg/typecheck-lite: stand-in, @types/node is not loaded': never
  }
  interface ExecFileException {
    readonly '@tsimg/typecheck-lite: stand-in, @types/node is not loaded': never
  }
  interface ExecFileOptions {
    readonly '@tsimg/typecheck-lite: stand-in, @types/node is not loaded': never
  }
}
