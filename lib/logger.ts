import pino from 'pino';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';

/**
 * Structured logs. Personal data (phone numbers, digits, transcripts) never goes into the message
 * text; where it must be logged at all it goes under the `pii` field, which is redacted.
 * LOG_FORMAT=pretty prints one readable line per entry (what `npm start` uses); JSON otherwise.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info', file?: string) {
  const pretty = process.env.LOG_FORMAT === 'pretty';
  if (file) return pino({ name, level, redact: { paths: ['pii', '*.pii'], censor: '[redacted]' } }, pino.destination({ dest: file, sync: true, mkdir: true }));
  return pino({
    name,
    level,
    redact: { paths: ['pii', '*.pii'], censor: '[redacted]' },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { colorize: false, singleLine: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname,name' } } }
      : {}),
  });
}

export type Logger = ReturnType<typeof createLogger>;

/** Expected for activity-only workers (the media worker): not worth an operator's attention. */
const expected = [/^No workflows registered/, /^No Nexus services registered/];

const levels = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * Temporal SDK logs through our logger, from WARN up by default (its INFO includes every webpack
 * line of the workflow bundle).
 */
export function temporalLogger(logger: Logger, level: keyof typeof levels = 'WARN'): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    if (expected.some((pattern) => pattern.test(entry.message))) return;
    logger[levels[entry.level]]({ ...entry.meta, sdk: 'temporal' }, entry.message);
  });
}
