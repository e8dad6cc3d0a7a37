// Per-row min/max of float32, 16 values per step with four independent accumulators
// (contract as in scalar.ts). pmin/pmax keep the accumulator when the input is NaN, which is
// exactly the "NaNs do not take part" rule; NaNs are flagged separately.

export function f32_rminmax_rows__simd128(x: usize, rows: u32, cols: u32, out: usize): void {
  for (let r: u32 = 0; r < rows; r++) {
    let vmin0 = f32x4.splat(Infinity);
    let vmax0 = f32x4.splat(-Infinity);
    let vmin1 = vmin0;
    let vmax1 = vmax0;
    let vnan = i32x4.splat(0);
    let n = cols;
    for (; n >= 8; n -= 8) {
      const v0 = v128.load(x);
      const v1 = v128.load(x, 16);
      vmin0 = f32x4.pmin(vmin0, v0);
      vmax0 = f32x4.pmax(vmax0, v0);
      vmin1 = f32x4.pmin(vmin1, v1);
      vmax1 = f32x4.pmax(vmax1, v1);
      vnan = v128.or(vnan, v128.or(f32x4.ne(v0, v0), f32x4.ne(v1, v1)));
      x += 32;
    }
    vmin0 = f32x4.pmin(vmin0, vmin1);
    vmax0 = f32x4.pmax(vmax0, vmax1);
    let mn = min<f32>(min<f32>(f32x4.extract_lane(vmin0, 0), f32x4.extract_lane(vmin0, 1)),
      min<f32>(f32x4.extract_lane(vmin0, 2), f32x4.extract_lane(vmin0, 3)));
    let mx = max<f32>(max<f32>(f32x4.extract_lane(vmax0, 0), f32x4.extract_lane(vmax0, 1)),
      max<f32>(f32x4.extract_lane(vmax0, 2), f32x4.extract_lane(vmax0, 3)));
    let nan: i32 = v128.any_true(vnan) ? 1 : 0;
    for (; n > 0; n--) {
      const v = load<f32>(x);
      if (v < mn) mn = v;
      if (v > mx) mx = v;
      if (v != v) nan = 1;
      x += 4;
    }
    store<f32>(out, mn);
    store<f32>(out, mx, 4);
    store<i32>(out, nan, 8);
    out += 16;
  }
}
