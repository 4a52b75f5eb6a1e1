import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { StackConfig } from './config.ts';

/** How log lines look: readable lines for a person, or one JSON object per line for machines. */
export type LogFormat = 'pretty' | 'json';

/** `auto` means readable in a terminal, JSON when stdout is a pipe or a file. */
export function resolveLogFormat(setting: StackConfig['logFormat'], stdoutIsTTY: boolean): LogFormat {
  if (setting === 'auto') return stdoutIsTTY ? 'pretty' : 'json';
  return setting;
}

/** The stack's logger and, for readable output, a stream that turns a child's JSON log lines readable too. */
export interface StackLogging {
  logger: Logger;
  format: LogFormat;
  /** Pipe a child's stdout here (`pretty` only; JSON children share stdout as they are). */
  childLog: Writable | undefined;
}

/**
 * Creates the stack's logger on stdout. Writes are synchronous, so log lines and the plain
 * "ready" line appear in the order they happen.
 */
export function createStackLogging(level: StackConfig['logLevel'], format: LogFormat): StackLogging {
  if (format === 'json') {
    return { logger: pino({ name: 'stack', level }, pino.destination({ dest: 1, sync: true })), format, childLog: undefined };
  }
  const pretty = () =>
    PinoPretty({
      destination: 1,
      sync: true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss',
      // The model service names itself in `service`, the stack in `name`.
      messageFormat: '{if service}({service}) {end}{msg}',
      ignore: 'pid,hostname,service',
    });
  return { logger: pino({ name: 'stack', level }, pretty()), format, childLog: pretty() };
}
