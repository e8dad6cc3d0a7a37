// LiteRT.js as a peer of the bench and the oracle of the tests: the loader lives in src/cli/litert.ts
// (also the peer of `npx qkern bench`); see its header for how it runs LiteRT.js in Node.
export * from '../src/cli/litert.js';
