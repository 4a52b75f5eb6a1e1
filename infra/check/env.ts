/**
 * The checker's one door to `process.env`: child processes (esbuild, sst, the evaluation, the replayed
 * Dockerfile) inherit this process's environment plus their own variables.
 */
export function inheritedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

/** Sets a variable for this process and the code it loads (SST's platform reads `SST_SERVER`). */
export function setEnv(name: string, value: string): void {
  process.env[name] = value;
}
