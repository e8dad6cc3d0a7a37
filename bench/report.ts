// Output of the bench: the environment line, the human table (one row per engine per variant)
// and the JSON document `{ meta, results }` written by `--json`.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { label, type Engine, type Measured, type Unit } from './harness.js';
import type { Isa } from 'qkern';

/** One row of the JSON `results`: `gbps` or `gops` depending on the variant's unit. */
export interface ResultRow {
  readonly suite: string;
  readonly case: string;
  readonly variant: string;
  readonly engine: Engine;
  readonly isa: Isa | null;
  readonly medianMs: number;
  readonly gbps?: number;
  readonly gops?: number;
  /** Median over rounds of (best peer's time / this time); > 1 = faster than the best peer. */
  readonly vsBestPeer: number;
}

export interface Meta {
  readonly node: string;
  readonly v8: string;
  readonly cpu: string;
  readonly date: string;
  readonly versions: Record<string, string | null>;
}

const PACKAGES = ['qkern', 'onnxruntime-web', '@tensorflow/tfjs-backend-wasm', 'tinybench'] as const;

/** A package's version, from the package.json above its resolved entry (some exports maps hide it). */
function packageVersion(name: string): string | null {
  try {
    let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
    for (;;) {
      const file = path.join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? null;
      }
      const up = path.dirname(dir);
      if (up === dir) return null;
      dir = up;
    }
  } catch {
    return null;
  }
}

export function meta(): Meta {
  return {
    node: process.versions.node,
    v8: process.versions.v8,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    date: new Date().toISOString(),
    versions: Object.fromEntries(PACKAGES.map((p) => [p, packageVersion(p)])),
  };
}

export function envLine(m: Meta, isas: readonly Isa[]): string {
  const v = Object.entries(m.versions).map(([k, x]) => `${k} ${x ?? '?'}`).join(', ');
  return `node ${m.node} · V8 ${m.v8} · ${m.cpu} (${os.cpus().length} cores) · qkern builds: ${isas.join(' ')} · ${v}`;
}

const COLS = [
  ['case', 8],
  ['variant', 16],
  ['engine', 16],
  ['median ms', 11],
  ['rate', 12],
  ['vs best peer', 13],
] as const;

/** Table header for a suite; the last column is best peer time / this time (> 1 = faster). */
export function tableHeader(suite: string): string {
  const head = COLS.map(([n, w], i) => (i < 3 ? n.padEnd(w) : n.padStart(w))).join(' ');
  return `\n== ${suite} ==  (vs best peer: median over rounds of best peer's time / this time; * = best peer)\n${head}\n${'-'.repeat(head.length)}`;
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '—';
}

export function tableRow(caseName: string, variant: string, unit: Unit, m: Measured): string {
  const cells = [
    caseName.padEnd(COLS[0][1]),
    variant.padEnd(COLS[1][1]),
    (label(m) + (m.bestPeer ? ' *' : '')).padEnd(COLS[2][1]),
    fmt(m.medianMs, m.medianMs < 1 ? 4 : 2).padStart(COLS[3][1]),
    `${fmt(m.rate, 2)} ${unit === 'gbps' ? 'GB/s' : 'GOPS'}`.padStart(COLS[4][1]),
    `${fmt(m.vsBestPeer, 2)}×`.padStart(COLS[5][1]),
  ];
  return cells.join(' ');
}

export function resultRow(suite: string, caseName: string, variant: string, unit: Unit, m: Measured): ResultRow {
  return {
    suite,
    case: caseName,
    variant,
    engine: m.engine,
    isa: m.isa,
    medianMs: m.medianMs,
    [unit]: m.rate,
    vsBestPeer: m.vsBestPeer,
  };
}

/**
 * The summary table (FILE.md beside the JSON): per suite and case with a peer, the fastest qkern
 * row (build: variant) with its rate and its ratio to the best peer measured interleaved with it
 * (the harness's `vsBestPeer`), and the fastest peer row of the case.
 */
export function summaryMarkdown(m: Meta, results: readonly ResultRow[], command: string): string {
  const rate = (r: ResultRow): number => r.gops ?? r.gbps ?? Number.NaN;
  const unit = (r: ResultRow): string => (r.gops !== undefined ? 'GOPS' : 'GB/s');
  const best = (rows: readonly ResultRow[]): ResultRow | undefined => rows.filter((r) => Number.isFinite(rate(r))).sort((a, b) => rate(b) - rate(a))[0];
  const lines = [
    `${m.date.slice(0, 10)} · ${m.cpu} (${os.cpus().length} cores) · node ${m.node} · V8 ${m.v8} · \`${command}\``,
    '',
    '| suite | case | fastest qkern (build: variant) | rate | vs best peer, same variant | fastest peer (engine: variant) | rate |',
    '|---|---|---|---:|---:|---|---:|',
  ];
  const keys = [...new Set(results.map((r) => `${r.suite}\u0000${r.case}\u0000${unit(r)}`))];
  for (const key of keys) {
    const [suite, c, u] = key.split('\u0000') as [string, string, string];
    const rows = results.filter((r) => r.suite === suite && r.case === c && unit(r) === u);
    const q = best(rows.filter((r) => r.engine === 'qkern'));
    const p = best(rows.filter((r) => r.engine !== 'qkern'));
    if (!q || !p) continue; // qkern against peers only (pack times, bandwidth probes stay in the JSON)
    const vs = Number.isFinite(q.vsBestPeer) ? `${q.vsBestPeer.toFixed(2)}×` : '—';
    lines.push(`| ${suite} | ${c} | ${q.isa}: ${q.variant} | ${rate(q).toFixed(2)} ${u} | ${vs} | ${p.engine}: ${p.variant} | ${rate(p).toFixed(2)} ${u} |`);
  }
  return lines.join('\n') + '\n';
}
