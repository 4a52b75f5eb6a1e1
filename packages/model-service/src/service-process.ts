// For tests and benches only: the real service process (`node src/main.ts`) with its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PACKAGE_DIR } from './config.ts';
import { SERVICE_NODE_FLAGS } from './node-flags.ts';

/** A started service process. */
export interface ServiceProcess {
  child: ChildProcess;
  /** Every log line so far, parsed (a line that is not JSON as `{raw}`). */
  lines: Record<string, unknown>[];
  stderr: () => string;
  /** Resolves with the first log line (already seen or to come) for which `match` is true; rejects on exit or timeout. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  /** The URL from the "listening" line. */
  url(): Promise<string>;
}

/** Starts `node src/main.ts` from the package folder with `env` over this process's environment (PORT 0, 127.0.0.1). */
export function spawnServiceProcess(env: Record<string, string>, baseEnv: NodeJS.ProcessEnv): ServiceProcess {
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, 'src/main.ts'], {
    cwd: PACKAGE_DIR,
    env: { ...baseEnv, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: Array<{ match: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { raw: text };
    }
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor: ServiceProcess['waitFor'] = (match, timeoutMs = 60_000) => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; log so far: ${JSON.stringify(lines.slice(-20))} ${stderr}`)), timeoutMs);
      waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`process exited with ${code} first; log: ${JSON.stringify(lines.slice(-20))} ${stderr}`));
      });
    });
  };
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    waitFor,
    url: async () => String((await waitFor((l) => l.msg === 'listening')).url),
  };
}
