// The engine harness lives in test/support/engines.ts. test/docs.test.ts (kept in place, owned
// elsewhere) still imports it from here; drop this re-export once it imports ./support/engines.js.
export { root, run } from "./support/engines.js";
