/**
 * The environment of the benches, read here only and passed in: BENCH_CALLS (explain bench), BENCH_SECONDS (per HTTP round,
 * default 5), BENCH_CONNECTIONS (default 10), BENCH_ROUNDS (default 3), BENCH_BASELINE_DIR (model measured beside the served one), ISEAR_TRAIN_CSV (bench:train's
 * default `--isear`), and the service's own variables (`loadConfig`, e.g. MODEL_DIR, ORT_THREADS).
 */
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../src/config.ts';

/** What `bench.ts` runs with. */
export interface HttpBenchEnv {
  /** The service's configuration, as the service reads it. */
  config: Config;
  seconds: number;
  connections: number;
  rounds: number;
  /** Model folder measured beside the served one (model-only figures), `BENCH_BASELINE_DIR`; default models/isear-v3. */
  baselineDir: string;
}

/**
 * Reads `bench.ts`'s settings.
 * @throws {ConfigError} on a service variable the service itself would refuse.
 */
export function readHttpBenchEnv(): HttpBenchEnv {
  return {
    config: loadConfig(process.env),
    seconds: Number(process.env.BENCH_SECONDS ?? 5),
    connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
    rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    baselineDir: process.env.BENCH_BASELINE_DIR ?? fileURLToPath(new URL('../models/isear-v3', import.meta.url)),
  };
}

/** `BENCH_SWITCH_SECONDS`: length of bench:switch's load window with and without switches, default 12. */
export function readSwitchBenchSeconds(): number {
  return Number(process.env.BENCH_SWITCH_SECONDS ?? 12);
}

/** This process's environment with `overrides` on top, for a child process. */
export function childEnv(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}

/** `ISEAR_TRAIN_CSV`, when set. */
export function readIsearTrainCsv(): string | undefined {
  return process.env.ISEAR_TRAIN_CSV;
}

/** What `explain-bench.ts` runs with: BENCH_ROUNDS (default 5), BENCH_CALLS (default 400), and the service's MODEL_DIR. */
export function readExplainBenchEnv(): { rounds: number; calls: number; modelDir: string } {
  return {
    rounds: Number(process.env.BENCH_ROUNDS ?? 5),
    calls: Number(process.env.BENCH_CALLS ?? 400),
    modelDir: loadConfig(process.env).modelDir,
  };
}
