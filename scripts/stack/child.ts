import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** A child process that {@link ManagedChild.stop} ends for certain. */
export interface ManagedChild {
  readonly process: ChildProcess;
  /** Resolves with the exit code (or signal) once the child has exited, however that happened. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /**
   * Waits `selfStopMs` (default 0) for the child to exit by itself, then sends SIGTERM, waits up to
   * `graceMs` (default 10000) for the exit, then SIGKILL. Resolves when the child is gone.
   */
  stop(options?: { selfStopMs?: number; graceMs?: number }): Promise<void>;
}

// Children still running when this process exits, however it exits (even an uncaught error), get a
// synchronous SIGKILL here so none outlives the stack.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Spawns `command` with `args`; stdio inherited unless `options.stdio` says otherwise. */
export function startChild(command: string, args: readonly string[], options: SpawnOptions): ManagedChild {
  const child = spawn(command, args, { stdio: 'inherit', ...options });
  live.add(child);
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? signal ?? 0);
    });
    child.once('error', () => {
      live.delete(child);
      resolve(1);
    });
  });
  return {
    process: child,
    exited,
    async stop({ selfStopMs = 0, graceMs = 10_000 } = {}) {
      const gone = () => child.exitCode !== null || child.signalCode !== null || !live.has(child);
      if (gone()) return;
      if (selfStopMs > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, selfStopMs)))]);
        clearTimeout(timer);
        if (gone()) return;
      }
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a command to its end; rejects with its exit code when it fails. */
export async function runToEnd(command: string, args: readonly string[], options: SpawnOptions): Promise<void> {
  const child = startChild(command, args, options);
  const result = await child.exited;
  if (result !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result})`);
}

/**
 * Polls `url` until it answers 200, the child exits, or `timeoutMs` passes.
 * @throws {Error} when the child exits first or the time runs out.
 */
export async function waitForReady(url: string, child: ManagedChild | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child?.exited.then(() => (exited = true));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the process exited before ${url} was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms (last: ${last})`);
}
