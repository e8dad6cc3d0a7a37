// The three architectures, exactly as published (layer shapes, strides, activations, residuals),
// with deterministic weights from a seed. BatchNorm is folded into the convolutions, as inference
// engines do, so each conv carries a bias.

import { Builder, SeededInit, type ModelSpec } from "./spec.js";

/**
 * MobileNetV2 1.0, 224×224 (Sandler et al. 2018): inverted residual blocks with linear bottlenecks.
 *
 * @example
 * ```ts
 * const spec = mobileNetV2();
 * console.log(spec.name, spec.inputShape, spec.layers.length, parameterCount(spec)); // mobilenetv2 [ 1, 224, 224, 3 ] 64 3487816
 * ```
 */
export function mobileNetV2(seed = 1): ModelSpec {
  const b = new Builder(new SeededInit(seed));
  let x = b.conv("input", 3, 32, 3, 2, "relu6");
  let c = 32;
  // (expansion t, output channels, repeats n, first stride s)
  const settings: [number, number, number, number][] = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
  for (const [t, oc, n, s] of settings) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = c * t;
      let y = t === 1 ? x : b.conv(x, c, hidden, 1, 1, "relu6");
      y = b.dwconv(y, hidden, 3, stride, "relu6");
      y = b.conv(y, hidden, oc, 1, 1, "none");
      x = stride === 1 && c === oc ? b.add(x, y) : y;
      c = oc;
    }
  }
  x = b.conv(x, c, 1280, 1, 1, "relu6");
  x = b.gap(x);
  const logits = b.fc(x, 1280, 1000, "logits");
  return { name: "mobilenetv2", inputShape: [1, 224, 224, 3], layers: b.layers, output: logits };
}

/**
 * SqueezeNet 1.1 (Iandola et al. 2016; the 1.1 revision): fire modules, 3×3/2 max pooling.
 *
 * @example
 * ```ts
 * const spec = squeezeNet11();
 * console.log(spec.layers.length, parameterCount(spec)); // parameter count 1235496
 * ```
 */
export function squeezeNet11(seed = 2): ModelSpec {
  const b = new Builder(new SeededInit(seed));
  let x = b.conv("input", 3, 64, 3, 2, "relu", "valid");
  x = b.maxpool(x, 3, 2);
  let c = 64;
  const fire = (input: string, squeeze: number, expand: number): string => {
    const s = b.conv(input, c, squeeze, 1, 1, "relu");
    const e1 = b.conv(s, squeeze, expand, 1, 1, "relu");
    const e3 = b.conv(s, squeeze, expand, 3, 1, "relu");
    c = 2 * expand;
    return b.concat([e1, e3]);
  };
  x = fire(x, 16, 64);
  x = fire(x, 16, 64);
  x = b.maxpool(x, 3, 2);
  x = fire(x, 32, 128);
  x = fire(x, 32, 128);
  x = b.maxpool(x, 3, 2);
  x = fire(x, 48, 192);
  x = fire(x, 48, 192);
  x = fire(x, 64, 256);
  x = fire(x, 64, 256);
  x = b.conv(x, c, 1000, 1, 1, "relu", "same", "classifier");
  const logits = b.gap(x);
  return { name: "squeezenet1.1", inputShape: [1, 224, 224, 3], layers: b.layers, output: logits };
}

/**
 * EfficientNet-Lite0, 224×224 (the edge variant of Tan & Le 2019): MBConv blocks without
 * squeeze-excite, ReLU6 instead of swish, fixed stem and head.
 *
 * @example
 * ```ts
 * const spec = efficientNetLite0();
 * console.log(spec.inputShape, spec.layers.filter((l) => l.op === 'dwconv').length, 'depthwise layers');
 * ```
 */
export function efficientNetLite0(seed = 3): ModelSpec {
  const b = new Builder(new SeededInit(seed));
  let x = b.conv("input", 3, 32, 3, 2, "relu6");
  let c = 32;
  // (expansion, kernel, first stride, output channels, repeats)
  const blocks: [number, number, number, number, number][] = [[1, 3, 1, 16, 1], [6, 3, 2, 24, 2], [6, 5, 2, 40, 2], [6, 3, 2, 80, 3], [6, 5, 1, 112, 3], [6, 5, 2, 192, 4], [6, 3, 1, 320, 1]];
  for (const [t, k, s, oc, n] of blocks) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = c * t;
      let y = t === 1 ? x : b.conv(x, c, hidden, 1, 1, "relu6");
      y = b.dwconv(y, hidden, k, stride, "relu6");
      y = b.conv(y, hidden, oc, 1, 1, "none");
      x = stride === 1 && c === oc ? b.add(x, y) : y;
      c = oc;
    }
  }
  x = b.conv(x, c, 1280, 1, 1, "relu6");
  x = b.gap(x);
  const logits = b.fc(x, 1280, 1000, "logits");
  return { name: "efficientnet-lite0", inputShape: [1, 224, 224, 3], layers: b.layers, output: logits };
}

/**
 * The built-in architectures by name.
 *
 * @example
 * ```ts
 * console.log(Object.keys(MODELS));
 * const spec = MODELS['squeezenet1.1']?.(7);   // seed 7
 * ```
 */
export const MODELS: Readonly<Record<string, (seed?: number) => ModelSpec>> = {
  mobilenetv2: mobileNetV2,
  "squeezenet1.1": squeezeNet11,
  "efficientnet-lite0": efficientNetLite0,
};

/**
 * A deterministic synthetic RGB image in [−1, 1]: smooth colour gradients, a disc, and noise.
 *
 * @example
 * ```ts
 * const image = syntheticImage([1, 224, 224, 3], 1);   // deterministic, roughly ImageNet-normalised values
 * console.log(image.length); // 150528
 * ```
 */
export function syntheticImage(shape: readonly [number, number, number, number], seed: number): Float32Array {
  const [, h, w, c] = shape;
  const r = new SeededInit(seed);
  const cx = r.uniform() * w;
  const cy = r.uniform() * h;
  const radius = (0.2 + 0.3 * r.uniform()) * Math.min(h, w);
  const phase = [r.uniform(), r.uniform(), r.uniform()].map((p) => p * 2 * Math.PI);
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < radius * radius ? 0.6 : 0;
      for (let ch = 0; ch < c; ch++) {
        const v = 0.5 * Math.sin((x / w) * 3 + (y / h) * 2 + phase[ch % 3]!) + inside - 0.3 + 0.2 * (r.uniform() - 0.5);
        out[(y * w + x) * c + ch] = Math.max(-1, Math.min(1, v));
      }
    }
  }
  return out;
}
