// The bench results as an SVG chart, written next to the JSON (`--json out.json` → out.svg): one
// panel per suite, one group of horizontal bars per case that has a peer, one bar per series (each
// qkern build, then each peer) at that series' best rate in the case. A panel whose rates span
// more than 30× uses a log scale, and says so. Plain SVG text: no scripts or external references.
import type { Meta, ResultRow } from './report.js';

const SERIES = [
  { key: 'qkern relaxed', color: '#1f3f99' },
  { key: 'qkern simd128', color: '#3b6fd8' },
  { key: 'qkern scalar', color: '#9bb7ee' },
  { key: 'ort', color: '#e07b24' },
  { key: 'tfjs', color: '#3a9a4a' },
  { key: 'litert', color: '#8e44ad' },
  { key: 'js', color: '#8c8c8c' },
] as const;

const WIDTH = 960;
const LABEL = 230;
const PLOT = 600;
const BAR = 7;
const GAP = 1;
const GROUP_GAP = 7;

const seriesOf = (r: ResultRow): string => (r.engine === 'qkern' ? `qkern ${r.isa ?? '?'}` : r.engine);
const rateOf = (r: ResultRow): number => r.gops ?? r.gbps ?? Number.NaN;
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2));

/** 1, 2 or 5 times a power of ten, at least `x`. */
function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 5, 10].map((f) => f * p).find((v) => v >= x) ?? 10 * p;
}

interface Group {
  readonly label: string;
  readonly bars: ReadonlyArray<{ readonly series: string; readonly rate: number; readonly variant: string }>;
}

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly groups: readonly Group[];
}

/** Per suite and unit, per case: each series' best row. */
function panels(results: readonly ResultRow[]): Panel[] {
  const bySuite = new Map<string, ResultRow[]>();
  for (const r of results) {
    if (!Number.isFinite(rateOf(r)) || rateOf(r) <= 0) continue;
    const key = `${r.suite}\u0000${r.gops !== undefined ? 'GOPS' : 'GB/s'}`;
    bySuite.set(key, [...(bySuite.get(key) ?? []), r]);
  }
  return [...bySuite].map(([key, rows]) => {
    const [suite, unit] = key.split('\u0000') as [string, string];
    const cases = [...new Set(rows.map((r) => r.case))];
    const groups = cases.map((c) => {
      const bars = SERIES.flatMap(({ key: s }) => {
        const best = rows.filter((r) => r.case === c && seriesOf(r) === s).sort((a, b) => rateOf(b) - rateOf(a))[0];
        return best ? [{ series: s, rate: rateOf(best), variant: best.variant }] : [];
      });
      return { label: c, bars };
    }).filter((g) => g.bars.some((b) => !b.series.startsWith('qkern'))); // qkern vs peers only
    return { title: suite, unit, groups };
  }).filter((p) => p.groups.length > 0);
}

/** The whole chart. */
export function chartSvg(meta: Meta, results: readonly ResultRow[], command: string): string {
  const out: string[] = [];
  let y = 58;
  for (const p of panels(results)) {
    const rates = p.groups.flatMap((g) => g.bars.map((b) => b.rate));
    const lo = Math.min(...rates);
    const hi = Math.max(...rates);
    const log = hi / lo > 30;
    const step = niceStep(hi / 4);
    const min = log ? 10 ** Math.floor(Math.log10(lo)) : 0;
    const max = log ? 10 ** Math.ceil(Math.log10(hi)) : Math.ceil(hi / step) * step;
    const x = (v: number): number => LABEL + (log ? (Math.log10(v / min) / Math.log10(max / min)) * PLOT : (v / max) * PLOT);
    out.push(`<text x="10" y="${y}" class="h">${esc(p.title)} — ${p.unit}, ${log ? 'log' : 'linear'} scale (each bar: the series' best variant in the case)</text>`);
    y += 10;
    const top = y;
    const grid = out.length; // grid lines go here, under the bars
    for (const g of p.groups) {
      const h = g.bars.length * (BAR + GAP);
      out.push(`<text x="${LABEL - 8}" y="${y + h / 2 + 4}" class="l" text-anchor="end">${esc(g.label)}</text>`);
      for (const b of g.bars) {
        const color = SERIES.find((s) => s.key === b.series)!.color;
        const w = Math.max(1, x(b.rate) - LABEL);
        out.push(`<rect x="${LABEL}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${color}"><title>${esc(`${g.label} · ${b.series} · ${b.variant}: ${fmt(b.rate)} ${p.unit}`)}</title></rect>`);
        out.push(`<text x="${(LABEL + w + 4).toFixed(1)}" y="${y + BAR - 1}" class="v">${fmt(b.rate)}</text>`);
        y += BAR + GAP;
      }
      y += GROUP_GAP;
    }
    const ticks = log ? Array.from({ length: Math.round(Math.log10(max / min)) + 1 }, (_, i) => min * 10 ** i) : Array.from({ length: Math.round(max / step) + 1 }, (_, i) => i * step);
    out.splice(grid, 0, ...ticks.map((t) => `<line x1="${x(t).toFixed(1)}" y1="${top - 4}" x2="${x(t).toFixed(1)}" y2="${y - GROUP_GAP}" class="g"/>`));
    for (const t of ticks) out.push(`<text x="${x(t).toFixed(1)}" y="${y + 2}" class="t" text-anchor="middle">${fmt(t)}</text>`);
    y += 30;
  }
  const legend = SERIES.map((s, i) => `<rect x="${10 + i * 140}" y="30" width="12" height="10" fill="${s.color}"/><text x="${27 + i * 140}" y="39" class="l">${s.key === 'ort' ? 'onnxruntime-web' : s.key === 'tfjs' ? 'tfjs-backend-wasm' : s.key === 'litert' ? 'LiteRT.js' : s.key === 'js' ? 'plain JS' : s.key}</text>`);
  const head = `qkern ${meta.versions['qkern'] ?? ''} · ${meta.date.slice(0, 10)} · ${meta.cpu} · node ${meta.node} (V8 ${meta.v8}) · ${command}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif">`,
    '<style>.h{font-size:13px;font-weight:bold}.l{font-size:11px}.v{font-size:8px;fill:#333}.t{font-size:9px;fill:#666}.g{stroke:#ddd;stroke-width:1}</style>',
    `<rect width="${WIDTH}" height="${y}" fill="#fff"/>`,
    `<text x="10" y="18" class="h">${esc(head)}</text>`,
    ...legend,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}
