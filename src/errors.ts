/**
 * The one error class qkern throws for bad input. `op` is the public operation (`quantize`,
 * `tensor`, `createQkern`, ...), `argument` the offending argument; the message repeats both and
 * names the shapes involved, e.g.
 * `quantize: scale: must be finite and > 0, got -1 (x: float32[2,3])`.
 *
 * @example
 * ```ts
 * try { quantize(x, { dtype: 'int8', scale: -1 }); }
 * catch (e) { if (e instanceof QkernError) console.log(e.op, e.argument); }
 * ```
 */
export class QkernError extends Error {
  /** The public operation that refused the input. */
  readonly op: string;
  /** The argument (or argument path, like `quant.scale`) that was wrong. */
  readonly argument: string;

  constructor(op: string, argument: string, detail: string) {
    super(`${op}: ${argument}: ${detail}`);
    this.name = "QkernError";
    this.op = op;
    this.argument = argument;
  }
}

/** `int8[2,3]`: a tensor's dtype and shape for error messages. */
export function describeShape(dtype: string, shape: readonly number[]): string {
  return `${dtype}[${shape.join(",")}]`;
}
