import { Injectable, type LoggerService } from '@nestjs/common';
import type { LogLevel } from '../config/app-config';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Field names whose values are never written, wherever they appear in a log record.
const SECRET_FIELD = /secret|token|password|authorization|cookie|hash|privatekey|presharedkey|masterkey|apikey|^key$/i;

/** Structured JSON lines on stdout; also Nest's logger so framework messages share the format. */
@Injectable()
export class JsonLogger implements LoggerService {
  private threshold = LEVELS.info;

  setLevel(level: LogLevel): void {
    this.threshold = LEVELS[level];
  }

  debug(message: unknown, context?: unknown): void {
    this.write('debug', message, context);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields);
  }
  log(message: unknown, context?: unknown): void {
    this.write('info', message, context);
  }
  warn(message: unknown, context?: unknown): void {
    this.write('warn', message, context);
  }
  error(message: unknown, context?: unknown): void {
    this.write('error', message, context);
  }
  verbose(message: unknown, context?: unknown): void {
    this.write('debug', message, context);
  }

  private write(level: LogLevel, message: unknown, context: unknown): void {
    if (LEVELS[level] < this.threshold) return;
    const fields = typeof context === 'object' && context !== null ? redact(context as Record<string, unknown>) : context === undefined ? {} : { context };
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: String(message), ...fields })}\n`);
  }
}

export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (SECRET_FIELD.test(name)) out[name] = '[redacted]';
    else if (value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Error)) out[name] = redact(value as Record<string, unknown>);
    else out[name] = value;
  }
  return out;
}

/** An error as one log field: `Name: message`, or the thrown value itself. */
export function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
