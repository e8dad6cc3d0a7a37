// The documentation's examples run and print what the documentation says they print: in README.md
// and in every docs/*.md, every ```js block that is followed by a ```text block is executed with
// Node (importing 'qkern' through the package's own exports, i.e. the built dist/) and its output
// compared line for line. And every relative link between these files points at a file that
// exists (and, for a link to a heading, at a heading that exists).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const files = ["README.md", ...readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];
const text = new Map(files.map((f) => [f, readFileSync(path.join(root, f), "utf8")]));

const examples = files.flatMap((file) =>
  [...text.get(file)!.matchAll(/```js\n((?:(?!```)[\s\S])*)```\n```text\n((?:(?!```)[\s\S])*)```/g)].map((m, i) => ({ file, n: i + 1, code: m[1]!, output: m[2]! })),
);

it("has examples to check", () => {
  expect(examples.filter((e) => e.file === "README.md").length).toBeGreaterThanOrEqual(4);
  expect(examples.length).toBeGreaterThanOrEqual(12);
});

for (const { file, n, code, output } of examples) {
  it(`${file} example ${n} prints what ${file} shows`, () => {
    const dir = path.join(root, "build", "readme");
    mkdirSync(dir, { recursive: true });
    const script = path.join(dir, `${file.replace(/[/.]/g, "_")}-example-${n}.mjs`);
    writeFileSync(script, code);
    const printed = execFileSync(process.execPath, [script], { encoding: "utf8", cwd: root });
    expect(printed.trim()).toBe(output.trim());
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

/** The anchors of a markdown file's headings (outside code blocks), with GitHub's -1, -2 suffixes for repeats. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of markdown.replace(/```[\s\S]*?```/g, "").matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(m[1]!);
    const count = seen.get(base) ?? 0;
    out.add(count === 0 ? base : `${base}-${count}`);
    seen.set(base, count + 1);
  }
  return out;
}

it("every relative link in README.md and docs/*.md points at an existing file and heading", () => {
  const broken: string[] = [];
  let checked = 0;
  for (const file of files) {
    const prose = text.get(file)!.replace(/```[\s\S]*?```/g, "");
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [rel = "", anchor] = target.split("#");
      const resolved = rel === "" ? path.join(root, file) : path.join(root, path.dirname(file), rel);
      checked++;
      if (!existsSync(resolved)) {
        broken.push(`${file}: ${target} (no file ${path.relative(root, resolved)})`);
      } else if (anchor !== undefined && resolved.endsWith(".md") && !anchors(readFileSync(resolved, "utf8")).has(anchor)) {
        broken.push(`${file}: ${target} (no heading #${anchor} in ${path.relative(root, resolved)})`);
      }
    }
  }
  expect(broken).toEqual([]);
  expect(checked).toBeGreaterThan(10);
});
