// Element types and their integer ranges.

/** Element types of a tensor. int4/uint4 hold two values per byte, low nibble first. */
export type DType = "float32" | "int32" | "int8" | "uint8" | "int4" | "uint4";
/** The quantized storage types (outputs of `quantize`). */
export type QuantDType = "int8" | "uint8" | "int4" | "uint4";
/** The integer types. */
export type IntDType = Exclude<DType, "float32">;

/** Bits per element, and the value range of integer types. */
export const DTYPE_INFO: Readonly<Record<DType, { readonly bits: number; readonly min: number; readonly max: number }>> = {
  float32: { bits: 32, min: -Infinity, max: Infinity },
  int32: { bits: 32, min: -2147483648, max: 2147483647 },
  int8: { bits: 8, min: -128, max: 127 },
  uint8: { bits: 8, min: 0, max: 255 },
  int4: { bits: 4, min: -8, max: 7 },
  uint4: { bits: 4, min: 0, max: 15 },
};

export function isDType(value: unknown): value is DType {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(DTYPE_INFO, value);
}

export function isQuantDType(value: unknown): value is QuantDType {
  return value === "int8" || value === "uint8" || value === "int4" || value === "uint4";
}


/** Bytes needed for `size` elements (int4/uint4: ceil(size / 2)). */
export function byteLengthOf(dtype: DType, size: number): number {
  const bits = DTYPE_INFO[dtype].bits;
  return bits === 4 ? Math.ceil(size / 2) : size * (bits / 8);
}
