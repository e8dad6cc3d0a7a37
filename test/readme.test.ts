// The README's examples run and print what the README says they print: every ```js block that is
// followed by a ```text block is executed with Node (importing 'qkern' through the package's own
// exports, i.e. the built dist/) and its output compared line for line.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;
const readme = readFileSync(`${root}README.md`, "utf8");
const pairs = [...readme.matchAll(/```js\n([\s\S]*?)```\n```text\n([\s\S]*?)```/g)].map((m) => ({ code: m[1]!, output: m[2]! }));

it("has examples to check", () => {
  expect(pairs.length).toBeGreaterThanOrEqual(4);
});

pairs.forEach(({ code, output }, i) => {
  it(`README example ${i + 1} prints what the README shows`, () => {
    const dir = `${root}build/readme`;
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/example-${i + 1}.mjs`;
    writeFileSync(file, code);
    const printed = execFileSync(process.execPath, [file], { encoding: "utf8", cwd: root });
    expect(printed.trim()).toBe(output.trim());
  });
});
