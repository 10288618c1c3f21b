import type {
  GatewayLog,
  GatewayLogFields,
} from '../application/process-card-message/gateway-log.port';

export interface RecordedLogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: GatewayLogFields;
}

/** Keeps every line so tests can assert on what was (and was not) logged. */
export class RecordingGatewayLog implements GatewayLog {
  readonly lines: RecordedLogLine[] = [];

  debug(message: string, fields: GatewayLogFields = {}): void {
    this.lines.push({ level: 'debug', message, fields });
  }

  info(message: string, fields: GatewayLogFields = {}): void {
    this.lines.push({ level: 'info', message, fields });
  }

  warn(message: string, fields: GatewayLogFields = {}): void {
    this.lines.push({ level: 'warn', message, fields });
  }

  error(message: string, fields: GatewayLogFields = {}): void {
    this.lines.push({ level: 'error', message, fields });
  }
}
