// Where a network's time goes, layer by layer, against the machine's dot ceiling measured in the same
// process (ceiling.ts): each layer's median time, its GOPS (2 · multiply-adds / time; layers without
// multiply-adds show none) and that as a fraction of the ceiling. Used by the e2e and models suites.
import { dotCeilingGops } from './ceiling.js';
import { median } from './harness.js';

/** One layer of a report: its times over the runs and its multiply-adds per run. */
export interface LayerSample {
  readonly name: string;
  readonly op: string;
  readonly shape: readonly number[];
  readonly ms: readonly number[];
  readonly macs: number;
}

let ceiling: Promise<number> | undefined;

/** The dot ceiling of this process (measured once). */
export function ceilingGops(): Promise<number> {
  ceiling ??= dotCeilingGops();
  return ceiling;
}

/** Table lines: one per layer, then the totals by op kind and overall. */
export async function layerReport(title: string, layers: readonly LayerSample[]): Promise<string[]> {
  const ceil = await ceilingGops();
  const rows = layers.map((l) => ({ ...l, t: median(l.ms) }));
  const gops = (macs: number, ms: number): number => (2 * macs) / (ms * 1e6);
  const pct = (g: number): string => `${((100 * g) / ceil).toFixed(0)}%`;
  const lines = [`  ${title}: per layer (median of ${layers[0]?.ms.length ?? 0} runs) against the dot ceiling ${ceil.toFixed(1)} GOPS (dot_i16x8_s + add on a 3×2 register tile, this process)`];
  lines.push(`    ${'layer'.padEnd(28)} ${'op'.padEnd(18)} ${'output'.padEnd(16)} ${'ms'.padStart(7)} ${'GOPS'.padStart(6)} ${'ceiling'.padStart(7)}`);
  for (const r of rows) {
    const g = r.macs > 0 ? gops(r.macs, r.t) : 0;
    lines.push(`    ${r.name.slice(-28).padEnd(28)} ${r.op.padEnd(18)} ${r.shape.join('x').padEnd(16)} ${r.t.toFixed(3).padStart(7)} ${r.macs > 0 ? g.toFixed(1).padStart(6) : ''.padStart(6)} ${r.macs > 0 ? pct(g).padStart(7) : ''}`);
  }
  const byOp = new Map<string, { ms: number; macs: number }>();
  for (const r of rows) {
    const e = byOp.get(r.op) ?? { ms: 0, macs: 0 };
    byOp.set(r.op, { ms: e.ms + r.t, macs: e.macs + r.macs });
  }
  const total = rows.reduce((s, r) => s + r.t, 0);
  const macs = rows.reduce((s, r) => s + r.macs, 0);
  const parts = [...byOp].sort((a, b) => b[1].ms - a[1].ms).map(([op, e]) => `${op} ${e.ms.toFixed(2)} ms (${((100 * e.ms) / total).toFixed(0)}%${e.macs > 0 ? `, ${pct(gops(e.macs, e.ms))} of ceiling` : ''})`);
  lines.push(`    total ${total.toFixed(2)} ms, ${gops(macs, total).toFixed(1)} GOPS effective = ${pct(gops(macs, total))} of the ceiling; ${parts.join(', ')}`);
  return lines;
}
