import pino from 'pino';

/**
 * Structured logs. Personal data (phone numbers, digits, transcripts) never goes into the message
 * text; where it must be logged at all it goes under the `pii` field, which is redacted.
 */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info') {
  return pino({ name, level, redact: { paths: ['pii', '*.pii'], censor: '[redacted]' } });
}

export type Logger = ReturnType<typeof createLogger>;
