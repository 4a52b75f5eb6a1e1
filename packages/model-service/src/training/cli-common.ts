/** Small helpers shared by the `train`, `eval` and `experiment` commands. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Exit code for a wrong command line (as with most Unix tools). */
export const EXIT_USAGE = 2;
/** Exit code for bad input data (unknown label, malformed CSV, …). */
export const EXIT_DATA = 1;

/** A command-line mistake: printed with the usage and exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The package's `models/` folder. */
export const PACKAGE_MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));

/**
 * Resolves a path given on the command line against the folder the person ran npm from
 * (`INIT_CWD`, set by npm), since `npm run -w` changes the working directory to the package.
 */
export function resolveFromCaller(file: string, callerCwd: string): string {
  return path.resolve(callerCwd, file);
}

/**
 * Progress printer on stderr. On a terminal it rewrites one line with every message. Otherwise
 * (CI, a pipe, a log file) it prints whole lines: every message marked `milestone`, and other
 * messages at most once per `intervalMs` (default 5 s), so a long fit shows it is alive.
 */
export function progress(
  isTty: boolean,
  write: (text: string) => void = (text) => process.stderr.write(text),
  intervalMs = 5000,
): (message: string, milestone?: boolean) => void {
  if (isTty) return (message) => write(`\r\x1b[2K${message}`);
  let last = -Infinity;
  return (message, milestone = false) => {
    const now = performance.now();
    if (!milestone && now - last < intervalMs) return;
    last = now;
    write(`${message}\n`);
  };
}

/** Ends a progress line so the next output starts on a fresh line. */
export function endProgress(isTty: boolean): void {
  if (isTty) process.stderr.write('\r\x1b[2K');
}
