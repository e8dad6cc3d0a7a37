// Entry of `npm run bench [-- --suite NAME] [--quick] [--json FILE] [--threads 1,2]` (FILE.json, default
// build/bench/results.json, plus the chart FILE.svg and the summary table FILE.md from bench/chart.ts
// and report.ts): one qkern instance per build
// this engine runs, then for every case of every chosen suite: setup (with correctness checks),
// interleaved measurement of each variant, a table on stdout, and at the end the JSON document.
// To add a suite, write bench/suites/<name>.ts exporting a `Suite` and list it in SUITES.
// Three optional extensions: a task may carry its own row name (`variant`, suites/dwconv.ts), so
// engines whose rows have different names are still measured interleaved in one Variant; a suite
// may have `summary(case, rows)`, whose lines print after the case's rows; and `annotate(case, rows)`,
// which returns the case's rows with fields of its own added for the JSON (suites/sparse.ts).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createQkern, detect, type Isa, type Qkern } from 'qkern';
import { measure, type Context, type EngineTask, type MeasureOptions, type Suite } from './harness.js';
import { loadOrt, type Ort } from '../peers/ort.js';
import { chartSvg } from './chart.js';
import { envLine, meta, resultRow, summaryMarkdown, tableHeader, tableRow, type ResultRow } from './report.js';
import { dwconvSuite } from './suites/dwconv.js';
import { e2eSuite } from './suites/e2e.js';
import { gemmSuite } from './suites/gemm.js';
import { int4Suite } from './suites/int4.js';
import { modelsSuite } from './suites/models.js';
import { quant } from './suites/quant.js';
import { sparseSuite } from './suites/sparse.js';
import { initTfjs, type Tfjs } from '../peers/tfjs.js';

/** A task that names its own row (table and JSON `variant`) instead of its Variant's name. */
type NamedTask = EngineTask & { readonly variant?: string };
/** A suite that prints lines of its own after each case's rows (e.g. ratios across variants), or adds fields to them. */
type SummarisingSuite = Suite & {
  summary?(caseName: string, rows: readonly ResultRow[]): readonly string[];
  annotate?(caseName: string, rows: readonly ResultRow[]): readonly ResultRow[];
};

const SUITES: readonly SummarisingSuite[] = [quant, gemmSuite, dwconvSuite, sparseSuite, int4Suite, e2eSuite, modelsSuite as unknown as SummarisingSuite];

const FULL: MeasureOptions = { rounds: 15, timeMs: 150, minIterations: 5, warmupMs: 30 };
const QUICK: MeasureOptions = { rounds: 5, timeMs: 25, minIterations: 3, warmupMs: 5 };
/**
 * Smaller full-run budgets for suites that would otherwise take too long: gemm has 19 cases of up
 * to ~20 tasks, some peers at ~3 GOPS (ORT s8·s8 takes 0.6 s for 1024³), and wants < 6 minutes.
 */
const FULL_BY_SUITE: Readonly<Record<string, MeasureOptions>> = {
  gemm: { rounds: 7, timeMs: 50, minIterations: 2, warmupMs: 10 },
  // dwconv: 14 cases of ~12 interleaved tasks (every build twice, four peers): ~2.5 minutes.
  dwconv: { rounds: 11, timeMs: 80, minIterations: 3, warmupMs: 10 },
  // sparse: 9 cases of ~10 interleaved tasks (simd128 dense + 8 sparse + ORT; scalar on 2 cases).
  sparse: { rounds: 11, timeMs: 100, minIterations: 3, warmupMs: 15 },
  // int4: 8 cases up to 1x4096x11008 with ORT MatMulNBits at ~90 ms a call: ~2.5 minutes (355 s at FULL).
  int4: { rounds: 9, timeMs: 80, minIterations: 3, warmupMs: 10 },
};

function usage(): string {
  return `usage: npm run bench -- [--suite NAME]... [--quick] [--json FILE] [--threads 1,2,...]\nsuites: ${SUITES.map((s) => s.name).join(', ')}`;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      suite: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage());
    return 0;
  }
  const wanted = values.suite ?? SUITES.map((s) => s.name);
  const unknown = wanted.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`unknown suite ${unknown.join(', ')}\n${usage()}`);
    return 2;
  }
  const suites = SUITES.filter((s) => wanted.includes(s.name));
  const counts = (values.threads ?? '1').split(',').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1)) {
    console.error(`--threads takes thread counts, e.g. 1,2; got ${values.threads}\n${usage()}`);
    return 2;
  }
  const quick = values.quick === true;
  const opts = quick ? QUICK : FULL;

  const found = detect();
  const isas: Isa[] = ['scalar'];
  if (found.simd128) isas.push('simd128');
  if (found.relaxedSimd) isas.push('relaxed');
  const qkerns: Qkern[] = [];
  for (const isa of isas) qkerns.push(await createQkern({ isa }));
  // Threaded instances of the SIMD builds (the gemm and e2e suites time them; docs/threads.md).
  const threaded: Qkern[] = [];
  for (const n of counts.filter((c) => c > 1)) {
    for (const isa of isas.filter((i) => i !== 'scalar')) {
      const qk = await createQkern({ isa, threads: n });
      if (qk.threads === n) threaded.push(qk);
      else console.log(`qkern/${isa} at ${n} threads unavailable: ${qk.threadsNote ?? 'unknown'}`);
    }
  }

  const m = meta();
  console.log(envLine(m, isas));
  if (!found.relaxedSimd) console.log(`relaxed build skipped: ${found.relaxedSimdReason ?? 'relaxed SIMD unavailable'}`);
  console.log(`mode: ${quick ? 'quick' : 'full'} (${opts.rounds} rounds × ${opts.timeMs} ms per task, medians of per-round medians)`);

  let ortP: Promise<Ort> | undefined;
  let tfjsP: Promise<Tfjs> | undefined;
  let failedChecks = 0;
  const results: ResultRow[] = [];
  const started = performance.now();

  for (const suite of suites) {
    const suiteStarted = performance.now();
    const suiteOpts = (quick ? undefined : FULL_BY_SUITE[suite.name]) ?? opts;
    console.log(tableHeader(suite.name));
    if (suiteOpts !== opts) console.log(`(${suite.name}: ${suiteOpts.rounds} rounds × ${suiteOpts.timeMs} ms per task, at least ${suiteOpts.minIterations} calls)`);
    for (const c of suite.cases) {
      const ctx: Context = {
        quick,
        qkerns,
        threaded,
        ort: () => (ortP ??= loadOrt()),
        tfjs: () => (tfjsP ??= initTfjs()),
        check(variant, who, mismatches, total) {
          if (mismatches === 0) return;
          failedChecks++;
          const what = mismatches < 0 ? 'output has the wrong length or type' : `${mismatches} of ${total} elements differ`;
          console.error(`!! MISMATCH ${suite.name} ${c.name} ${variant} ${who} vs reference: ${what}`);
        },
      };
      const run = await suite.setup(c, ctx);
      const caseRows: ResultRow[] = [];
      try {
        for (const v of run.variants) {
          (await measure(v, suiteOpts)).forEach((r, i) => {
            const name = (v.tasks[i] as NamedTask).variant ?? v.name;
            console.log(tableRow(c.name, name, v.unit, r));
            caseRows.push(resultRow(suite.name, c.name, name, v.unit, r));
          });
        }
      } finally {
        await run.teardown();
      }
      const rows = suite.annotate?.(c.name, caseRows) ?? caseRows;
      results.push(...rows);
      if (rows.length > 0) for (const line of suite.summary?.(c.name, rows) ?? []) console.log(line);
    }
    console.log(`(${suite.name}: ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s)`);
  }

  for (const qk of threaded) qk.dispose();
  console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const json = values.json ?? 'build/bench/results.json';
  writeFileSync(json, JSON.stringify({ meta: m, results }, null, 2) + '\n');
  // Next to the JSON: the chart and the summary table (out.json → out.svg, out.md; docs/benchmarks.md).
  const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  const base = json.replace(/\.json$/, '');
  writeFileSync(`${base}.svg`, chartSvg(m, results, command));
  writeFileSync(`${base}.md`, summaryMarkdown(m, results, command));
  console.log(`wrote ${json}, ${base}.svg, ${base}.md`);
  if (failedChecks > 0) {
    console.error(`!! ${failedChecks} correctness check(s) failed (see MISMATCH lines above)`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
