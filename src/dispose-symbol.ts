// `Symbol.dispose` for engines that lack it (QuickJS, Safari, Node before 18.18), imported first by
// every entry point. qkern's handles implement `[Symbol.dispose]()` and some ops use `using`, which
// TypeScript compiles to a helper that throws "Symbol.dispose is not defined" without it. The
// registry symbol is what other polyfills (core-js, TypeScript's own advice) install too.
// Listed in package.json `sideEffects` so that bundlers keep it.

if (typeof Symbol.dispose !== "symbol") {
  Object.defineProperty(Symbol, "dispose", { value: Symbol.for("Symbol.dispose"), configurable: false, enumerable: false, writable: false });
}

export {};
