/**
 * Node flags of every model-service process (`npm start -w packages/model-service`, the image's
 * CMD, `npm start`'s child, the tests' and benches' service processes; `node-flags.test.ts` checks
 * the spelled-out copies in package.json and the Dockerfile).
 *
 * `--max-semi-space-size=8` (MiB): under load V8 grows its young generation to its default ceiling,
 * which held about 90 MiB more resident memory than the service needs (the joint model: 354 → 263
 * MiB after 20 s of 10-connection `POST /predict`, req/s unchanged within noise; README "Benchmark").
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
