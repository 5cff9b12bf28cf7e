// The agent logs one line per event on stderr (journald adds time and unit). Fields are JSON so
// they stay machine-readable; field names that could carry a secret are redacted wherever they
// appear, as a second line of defence behind "never pass secrets to the logger".

export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** The message of a thrown value, for a log field or a report. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const SECRET_FIELD = /secret|token|password|privatekey|presharedkey|^key$|pem$/i;

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_FIELD.test(k) ? '[redacted]' : redact(v)]));
}

export class StderrLogger implements Logger {
  constructor(private readonly write: (line: string) => void = (line) => process.stderr.write(line)) {}

  info(message: string, fields?: LogFields): void {
    this.line('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.line('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.line('error', message, fields);
  }

  private line(level: string, message: string, fields: LogFields | undefined): void {
    const suffix = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(redact(fields))}` : '';
    this.write(`${level}: ${message}${suffix}\n`);
  }
}
