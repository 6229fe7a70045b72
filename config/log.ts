// Structured logs (pino), one line an event; modules take a child logger. JSON lines for
// machines, or readable lines on a developer's terminal (pino-pretty; LOG_FORMAT decides).
import { type DestinationStream, pino } from 'pino';
import pretty from 'pino-pretty';

export type Logger = pino.Logger;
export type LogFormat = 'json' | 'pretty';

/**
 * `auto` is readable lines when a person is watching (stdout is a terminal) outside
 * production, and JSON lines otherwise (a file, a pipe, a container's log collector).
 */
export function resolveLogFormat(
  setting: 'auto' | LogFormat,
  nodeEnv: string,
  stdoutIsTerminal: boolean,
): LogFormat {
  if (setting !== 'auto') return setting;
  return stdoutIsTerminal && nodeEnv !== 'production' ? 'pretty' : 'json';
}

export function createLogger(
  level: string = 'info',
  opts: { format?: LogFormat; destination?: DestinationStream } = {},
): Logger {
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (opts.format === 'pretty')
    return pino(
      options,
      pretty({
        sync: true,
        singleLine: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ...(opts.destination ? { destination: opts.destination, colorize: false } : {}),
      }),
    );
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that writes nothing, for tests and tools. */
export const silentLogger: Logger = pino({ level: 'silent' });
