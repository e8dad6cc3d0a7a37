// The real models and test data that live outside the repository, in <repo>/../shared/models/
// (CI has shared/ next to the checkout; QKERN_SHARED_MODELS names another folder). They are never
// committed: SOURCE.md in that folder says where they come from and under which licences. A test
// that needs them is skipped with the reason in its title when a file is missing, except under
// QKERN_REQUIRE_SHARED=1 (.ci/run sets it), where a missing file fails the test.
// Also here: the pixels of the 8-bit BMPs among them, in the order the upstream tests use.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { it } from "vitest";

/** QKERN_REQUIRE_SHARED=1: a missing shared file fails the test that needs it. */
export const requireShared = process.env["QKERN_REQUIRE_SHARED"] === "1";

/** The shared-models folder of this checkout and the tests that need files from it. */
export interface SharedModels {
  /** Absolute path of the folder (with a trailing separator). */
  readonly dir: string;
  /** Absolute path of a file in the folder. */
  path(name: string): string;
  /** Why a test that needs `names` cannot run here ("" when all of them exist). */
  missing(names: readonly string[]): string;
  /** A file's bytes. */
  read(name: string): Uint8Array;
  /**
   * it() for a test that needs `files`: runs when they all exist; otherwise skipped with the reason
   * in its title, or, under QKERN_REQUIRE_SHARED=1, a failing test that names the missing files.
   */
  it(title: string, files: readonly string[], body: () => unknown, timeout?: number): void;
}

/** `QKERN_SHARED_MODELS`, or `<repo>/../shared/models/` (resolved from this file: test/support/). */
export function sharedModels(): SharedModels {
  const override = process.env["QKERN_SHARED_MODELS"];
  const dir = override ? path.resolve(override) + path.sep : fileURLToPath(new URL("../../../shared/models/", import.meta.url));
  const where = override ? "QKERN_SHARED_MODELS" : "<repo>/../shared/models; QKERN_SHARED_MODELS names another folder";
  const missing = (names: readonly string[]): string => {
    if (!existsSync(dir)) return `shared models folder ${dir} not found (${where})`;
    const absent = names.filter((n) => !existsSync(path.join(dir, n)));
    return absent.length === 0 ? "" : `${absent.join(", ")} not found in ${dir} (${where})`;
  };
  return {
    dir,
    path: (name) => path.join(dir, name),
    missing,
    read: (name) => new Uint8Array(readFileSync(path.join(dir, name))),
    it(title, files, body, timeout) {
      const reason = missing(files);
      if (reason === "") it(title, body, timeout);
      else if (requireShared) it(title, () => { throw new Error(`QKERN_REQUIRE_SHARED=1 but ${reason}`); });
      else it.skip(`${title} (skipped: ${reason})`, () => {});
    },
  };
}

/** An uncompressed 8-bit BMP: its size and its pixel bytes (palette indices), top row first. */
export interface Bmp8 {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/**
 * Reads an uncompressed 8-bit BMP. BMP rows are stored bottom-up when the header's height is
 * positive (top-down when negative), each padded to a multiple of 4 bytes; this returns the rows
 * top row first without padding, the order of PIL's Image.tobytes(), which is how tflite-micro
 * turns its test BMPs into the byte arrays its tests memcpy into a model's input.
 */
export function readBmp8(bytes: Uint8Array): Bmp8 {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0x42 || bytes[1] !== 0x4d) throw new Error("not a BMP (no 'BM')");
  const pixelOffset = v.getUint32(10, true);
  const width = v.getInt32(18, true);
  const storedHeight = v.getInt32(22, true);
  const bitsPerPixel = v.getUint16(28, true);
  const compression = v.getUint32(30, true);
  if (bitsPerPixel !== 8 || compression !== 0) throw new Error(`BMP: ${bitsPerPixel} bits per pixel, compression ${compression}; only uncompressed 8-bit is read`);
  const height = Math.abs(storedHeight);
  const stride = Math.ceil(width / 4) * 4;
  if (pixelOffset + stride * height > bytes.length) throw new Error("BMP: pixel data runs past the end of the file");
  const pixels = new Uint8Array(width * height);
  for (let row = 0; row < height; row++) {
    const stored = storedHeight > 0 ? height - 1 - row : row;
    pixels.set(bytes.subarray(pixelOffset + stored * stride, pixelOffset + stored * stride + width), row * width);
  }
  return { width, height, pixels };
}

/** The shared-models folder (see sharedModels()). */
export const SHARED_MODELS = sharedModels().dir;

/**
 * One shared file for `it.skipIf(!m.ok)(m.title, ...)`: `ok` when it exists, or when the run requires
 * the shared models (then `read()` throws and the test fails, naming the file); otherwise the title
 * carries the reason for the skip.
 */
export function sharedModel(file: string): { readonly ok: boolean; readonly title: string; read(): Uint8Array } {
  const shared = sharedModels();
  const reason = shared.missing([file]);
  return {
    ok: reason === "" || requireShared,
    title: reason === "" || requireShared ? file : `${file} (skipped: ${reason})`,
    read: () => shared.read(file),
  };
}
