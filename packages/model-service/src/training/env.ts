/** The environment of the training CLIs (train, eval, models, promote, rollback, experiment): read here only and passed in. */

/**
 * The folder the person ran npm from: `INIT_CWD`, which npm sets (`npm run -w` changes the working
 * directory to the package), else the working directory. Paths on a command line resolve against it.
 */
export function readCallerCwd(): string {
  return process.env.INIT_CWD ?? process.cwd();
}

/** This process's environment with `INIT_CWD` set to `callerCwd`: how npm starts a CLI from that folder. */
export function envCalledFrom(callerCwd: string): NodeJS.ProcessEnv {
  return { ...process.env, INIT_CWD: callerCwd };
}
