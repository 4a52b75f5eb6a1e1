/**
 * Static checks and an offline replay of `packages/model-service/Dockerfile` (no Docker engine runs
 * here or needs to).
 *
 * - {@link lintDockerfile}: syntax and flags (dockerfile-utils, the VS Code Docker linter) plus
 *   the properties this project requires of the image.
 * - {@link replayDockerfile}: executes the Dockerfile's own COPY / WORKDIR / ENV / RUN steps,
 *   stage by stage, in a temporary folder per stage (absolute image paths map into it), honouring
 *   the `.dockerignore` Docker would use; returns the final stage's folder, environment and CMD.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DockerfileParser, type Dockerfile, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { inheritedEnv } from './env.ts';

const exec = promisify(execFile);

/** A problem found in the Dockerfile, with its 1-based line when known. */
export interface DockerfileProblem {
  line: number | null;
  message: string;
}

export interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

/** Parses stages; `${ARG}` in `FROM` is expanded with the ARG defaults declared before the first stage. */
export function parseStages(content: string): { dockerfile: Dockerfile; stages: Stage[] } {
  const dockerfile = DockerfileParser.parse(content);
  const args = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) args.set(property.getName(), property.getValue() ?? '');
  }
  const expand = (text: string) => text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => args.get(name) ?? '');
  const stages = dockerfile.getFROMs().map((from, index) => {
    const image = expand(from.getImageName() ?? '') + (from.getImageTag() ? `:${expand(from.getImageTag() ?? '')}` : '');
    const instructions = dockerfile.getInstructions().filter((instruction) => {
      const line = instruction.getRange().start.line;
      const start = from.getRange().start.line;
      const next = dockerfile.getFROMs()[index + 1]?.getRange().start.line ?? Number.POSITIVE_INFINITY;
      return line >= start && line < next;
    });
    return { name: from.getBuildStage() ?? String(index), image, instructions };
  });
  return { dockerfile, stages };
}

function lineOf(instruction: Instruction): number {
  return instruction.getRange().start.line + 1;
}

function keyword(instruction: Instruction): string {
  return instruction.getKeyword().toUpperCase();
}

/** The strings of an exec-form (JSON array) instruction, or null for shell form. */
export function execForm(instruction: Instruction): string[] | null {
  const raw = (instruction.getArgumentsContent() ?? '').trim();
  const body = keyword(instruction) === 'HEALTHCHECK' ? raw.replace(/^(--\S+\s+)*CMD\s+/, '') : raw;
  if (!body.startsWith('[')) return null;
  try {
    const parsed: unknown = JSON.parse(body);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : null;
  } catch {
    return null;
  }
}

/** The `--from=` stage of a COPY, if any. */
function fromFlag(instruction: Instruction): string | undefined {
  const copy = instruction as unknown as { getFromFlag?: () => { getValue(): string | null } | null };
  return copy.getFromFlag?.()?.getValue() ?? undefined;
}

/** `ENV` pairs of one instruction (both `K=V …` and legacy `K V` forms). */
function envPairs(instruction: Instruction): Array<[string, string]> {
  const env = instruction as unknown as { getProperties?: () => Array<{ getName(): string; getValue(): string | null }> };
  return (env.getProperties?.() ?? []).map((p) => [p.getName(), p.getValue() ?? '']);
}

/** Node major version of the image's base (package.json engines; the tests run on it). */
export const NODE_MAJOR = 24;

/**
 * Lints the Dockerfile: dockerfile-utils diagnostics (errors and warnings), then this project's
 * requirements for the model-service image:
 * multi-stage; glibc Node 24 base (no Alpine/musl); final stage runs as a non-root `USER`, has a
 * `HEALTHCHECK` (exec form, probing `/readyz` with node, since the image has no curl), an exec-form
 * `CMD`, `EXPOSE`s its `PORT`, copies `models` (the model baked in) and node_modules from a stage
 * that installed with `--omit=dev`; onnxruntime-node's install script is skipped.
 *
 * @returns every problem found; empty when the Dockerfile passes.
 */
export function lintDockerfile(content: string): DockerfileProblem[] {
  const problems: DockerfileProblem[] = [];
  for (const diagnostic of validate(content)) {
    // 1 = error, 2 = warning (LSP DiagnosticSeverity).
    if (diagnostic.severity === 1 || diagnostic.severity === 2) {
      problems.push({
        line: diagnostic.range.start.line + 1,
        message: `dockerfile-utils: ${typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value}`,
      });
    }
  }

  const { stages } = parseStages(content);
  if (stages.length < 2) problems.push({ line: null, message: 'not multi-stage: build and runtime must be separate stages' });
  for (const stage of stages) {
    if (/alpine|musl/i.test(stage.image) || stage.image === '') {
      problems.push({
        line: null,
        message: `stage ${stage.name}: base image "${stage.image}" is not glibc-based (onnxruntime-node does not load on musl)`,
      });
    }
    const nodeMajor = /(?:^|\/)node:(\d+)/.exec(stage.image)?.[1];
    if (nodeMajor !== undefined && nodeMajor !== String(NODE_MAJOR)) {
      problems.push({
        line: null,
        message: `stage ${stage.name}: base image "${stage.image}" is not Node ${NODE_MAJOR} (the version the tests run on)`,
      });
    }
  }
  const final = stages.at(-1);
  if (!final) return problems;
  const finalOf = (name: string) => final.instructions.filter((i) => keyword(i) === name);

  const users = finalOf('USER');
  const user = users.at(-1)?.getArgumentsContent()?.trim() ?? '';
  if (!user || /^(root|0)(:|$)/.test(user))
    problems.push({ line: users.at(-1) ? lineOf(users.at(-1)!) : null, message: 'final stage must switch to a non-root USER' });

  const healthchecks = finalOf('HEALTHCHECK');
  const health = healthchecks.at(-1);
  const healthCommand = health ? execForm(health) : null;
  if (!health) problems.push({ line: null, message: 'final stage has no HEALTHCHECK' });
  else if (!healthCommand) problems.push({ line: lineOf(health), message: 'HEALTHCHECK must use the exec form CMD ["node", …]' });
  else if (healthCommand[0] !== 'node' || !healthCommand.join(' ').includes('/readyz')) {
    problems.push({ line: lineOf(health), message: 'HEALTHCHECK must probe /readyz with node (the image has no curl)' });
  }

  const cmd = finalOf('CMD').at(-1);
  if (!cmd || !execForm(cmd))
    problems.push({ line: cmd ? lineOf(cmd) : null, message: 'final stage needs an exec-form CMD (signals reach node directly)' });

  const env = new Map(finalOf('ENV').flatMap(envPairs));
  const exposed = finalOf('EXPOSE').flatMap((i) => i.getArguments().map((a) => a.getValue().split('/')[0]));
  if (!env.get('PORT')) problems.push({ line: null, message: 'final stage must set ENV PORT' });
  else if (!exposed.includes(env.get('PORT'))) problems.push({ line: null, message: `final stage must EXPOSE its PORT ${env.get('PORT')}` });
  if (env.get('HOST') !== '0.0.0.0')
    problems.push({ line: null, message: 'final stage must set ENV HOST=0.0.0.0 (the service binds 127.0.0.1 by default)' });
  if (env.get('NODE_ENV') !== 'production') problems.push({ line: null, message: 'final stage must set ENV NODE_ENV=production' });

  const copies = finalOf('COPY');
  const copiesModel = copies.some((c) => !fromFlag(c) && c.getArguments().some((a) => a.getValue().startsWith('packages/model-service/models')));
  if (!copiesModel) problems.push({ line: null, message: 'final stage must COPY packages/model-service/models (the model is baked in)' });

  const modulesCopy = copies.find((c) => c.getArguments().some((a) => a.getValue().endsWith('node_modules')));
  const fromStage = modulesCopy ? fromFlag(modulesCopy) : undefined;
  const depsStage = stages.find((s) => s.name === fromStage);
  const installsProdOnly = depsStage?.instructions.some(
    (i) => keyword(i) === 'RUN' && /npm (ci|install)\b[^&|;]*--omit=dev/.test(i.getArgumentsContent() ?? ''),
  );
  if (!modulesCopy || !depsStage || !installsProdOnly) {
    problems.push({
      line: modulesCopy ? lineOf(modulesCopy) : null,
      message: 'final stage must copy node_modules from a stage that ran `npm ci --omit=dev` (production dependencies only)',
    });
  }

  for (const stage of stages) {
    for (const run of stage.instructions.filter((i) => keyword(i) === 'RUN')) {
      const text = run.getArgumentsContent() ?? '';
      const stageEnv = new Map(stage.instructions.filter((i) => keyword(i) === 'ENV').flatMap(envPairs));
      if (/npm (ci|install)\b/.test(text) && !text.includes('--ignore-scripts') && stageEnv.get('ONNXRUNTIME_NODE_INSTALL') !== 'skip') {
        problems.push({
          line: lineOf(run),
          message: `stage ${stage.name}: npm install must skip onnxruntime-node's install script (--ignore-scripts or ENV ONNXRUNTIME_NODE_INSTALL=skip)`,
        });
      }
    }
  }
  return problems;
}

/**
 * One `.dockerignore` rule set with Docker's semantics: patterns are relative to the context
 * root, `*` and `?` stay within one path segment, `**` spans any number of segments, a pattern
 * that matches a folder matches everything below it, `!` re-includes, the last match wins.
 */
export function dockerignoreMatcher(content: string): (relativePath: string) => boolean {
  const rules = content
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = path.posix
        .normalize((negate ? line.slice(1) : line).trim())
        .replace(/^\/+/, '')
        .replace(/\/+$/, '');
      let source = '';
      for (let i = 0; i < pattern.length; i += 1) {
        const char = pattern[i]!;
        if (char === '*' && pattern[i + 1] === '*') {
          source += '.*';
          i += 1;
          if (pattern[i + 1] === '/') i += 1;
        } else if (char === '*') source += '[^/]*';
        else if (char === '?') source += '[^/]';
        else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negate, regex: new RegExp(`^${source}(/.*)?$`) };
    });
  return (relativePath: string) => {
    let excluded = false;
    for (const rule of rules) if (rule.regex.test(relativePath)) excluded = !rule.negate;
    return excluded;
  };
}

export interface ReplayResult {
  /** Folder standing for the final stage's filesystem root. */
  rootfs: string;
  /** The final stage's WORKDIR, as a folder on this machine. */
  workdir: string;
  /** ENV of the final stage. */
  env: Record<string, string>;
  cmd: string[];
  healthcheck: string[] | null;
}

/**
 * Replays the Dockerfile without Docker. Each stage's filesystem is `<scratch>/<stage>`; absolute
 * paths in WORKDIR / COPY map into it. COPY from the context copies only files the dockerignore
 * lets through. RUN runs `sh -c` in the mapped WORKDIR with the stage's ENV on top of this
 * process's environment (the base image's own files, such as node and npm, come from this machine).
 *
 * @throws when a step fails (its stderr in the message) or an instruction is not supported.
 */
export async function replayDockerfile(options: {
  dockerfile: string;
  context: string;
  dockerignore: string;
  scratch: string;
  log?: (line: string) => void;
}): Promise<ReplayResult> {
  const { stages } = parseStages(fs.readFileSync(options.dockerfile, 'utf8'));
  const ignored = dockerignoreMatcher(fs.readFileSync(options.dockerignore, 'utf8'));
  const log = options.log ?? (() => {});
  let result: ReplayResult | null = null;

  for (const stage of stages) {
    const rootfs = path.join(options.scratch, stage.name);
    fs.mkdirSync(rootfs, { recursive: true });
    let workdir = '/';
    const env: Record<string, string> = {};
    let cmd: string[] = [];
    let healthcheck: string[] | null = null;
    const map = (target: string) => path.join(rootfs, path.posix.resolve(workdir, target));

    for (const instruction of stage.instructions) {
      const word = keyword(instruction);
      const args = instruction.getArguments().map((a) => a.getValue());
      const content = instruction.getArgumentsContent() ?? '';
      switch (word) {
        case 'ARG': {
          // Build arguments are visible to RUN as environment variables, like Docker does.
          const [name, ...value] = content.trim().split('=');
          if (name && value.length > 0) env[name] = value.join('=');
          break;
        }
        case 'FROM':
        case 'EXPOSE':
        case 'STOPSIGNAL':
        case 'LABEL':
          break;
        case 'USER':
          // Cannot switch user here; lintDockerfile checks it is non-root.
          break;
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, args[0] ?? '/');
          fs.mkdirSync(map('.'), { recursive: true });
          break;
        case 'ENV':
          for (const [name, value] of envPairs(instruction)) env[name] = value;
          break;
        case 'COPY': {
          const from = fromFlag(instruction);
          const sources = args.slice(0, -1);
          const destination = args.at(-1)!;
          const sourceRoot = from ? path.join(options.scratch, from) : options.context;
          for (const source of sources) {
            const relative = from ? path.posix.resolve('/', source).slice(1) : path.posix.normalize(source);
            const absolute = path.join(sourceRoot, relative);
            if (!fs.existsSync(absolute))
              throw new Error(`COPY ${source}: not found in ${from ? `stage ${from}` : 'the context'} (line ${lineOf(instruction)})`);
            const target = destination.endsWith('/') || sources.length > 1 ? path.join(map(destination), path.basename(relative)) : map(destination);
            fs.cpSync(absolute, target, {
              recursive: true,
              verbatimSymlinks: true,
              // Folders are always entered: a pattern below them may re-include files (as Docker does).
              filter: (file) =>
                from !== undefined || fs.statSync(file).isDirectory() || !ignored(path.relative(options.context, file).split(path.sep).join('/')),
            });
          }
          break;
        }
        case 'RUN': {
          log(`RUN ${content}`);
          try {
            await exec('sh', ['-c', content], { cwd: map('.'), env: inheritedEnv(env), maxBuffer: 64 * 1024 * 1024, timeout: 600_000 });
          } catch (error) {
            const failure = error as { stderr?: string; message: string };
            throw new Error(`stage ${stage.name}, line ${lineOf(instruction)}: RUN failed: ${failure.stderr || failure.message}`);
          }
          break;
        }
        case 'CMD':
          cmd = execForm(instruction) ?? ['sh', '-c', content];
          break;
        case 'HEALTHCHECK':
          healthcheck = execForm(instruction);
          break;
        default:
          throw new Error(`replay does not support ${word} (line ${lineOf(instruction)})`);
      }
    }
    result = { rootfs, workdir: map('.'), env, cmd, healthcheck };
  }
  if (!result) throw new Error('Dockerfile has no stages');
  return result;
}
