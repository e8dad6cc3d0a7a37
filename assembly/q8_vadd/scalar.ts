// Quantized elementwise add, the DequantizeLinear → Add → QuantizeLinear semantics (and ONNX
// Runtime's QLinearAdd): va = f32(sa · f32(a − za)), vb likewise, y = clamp(roundHalfEven(
// f32(f32(va + vb) / sy)) + zy), all float32. Inputs and output are 8-bit; `unsigned_` tells how to
// read the inputs, the output bytes are the low byte of the clamped value ([qmin, qmax] given).
// params (f32/i32 words): 0 sa, 4 za, 8 sb, 12 zb, 16 sy, 20 zy, 24 qmin, 28 qmax.
//
// Export `q8_vadd_fp32__<isa>(a, b, y, n, unsigned_, params)`.

// @ts-ignore: decorator
@inline export function addOne(a: i32, b: i32, sa: f32, za: i32, sb: f32, zb: i32, sy: f32, lo: f32, hi: f32, zy: i32): i32 {
  let v = (sa * <f32>(a - za) + sb * <f32>(b - zb)) / sy;
  v = max<f32>(v, lo);
  v = min<f32>(v, hi);
  return <i32>nearest<f32>(v) + zy;
}

export function q8_vadd_fp32__scalar(a: usize, b: usize, y: usize, n: u32, unsigned_: i32, params: usize): void {
  const sa = load<f32>(params);
  const za = load<i32>(params, 4);
  const sb = load<f32>(params, 8);
  const zb = load<i32>(params, 12);
  const sy = load<f32>(params, 16);
  const zy = load<i32>(params, 20);
  const lo = <f32>(load<i32>(params, 24) - zy);
  const hi = <f32>(load<i32>(params, 28) - zy);
  for (let i: u32 = 0; i < n; i++) {
    const va: i32 = unsigned_ ? <i32>load<u8>(a + i) : <i32>load<i8>(a + i);
    const vb: i32 = unsigned_ ? <i32>load<u8>(b + i) : <i32>load<i8>(b + i);
    store<u8>(y + i, <u8>addOne(va, vb, sa, za, sb, zb, sy, lo, hi, zy));
  }
}
