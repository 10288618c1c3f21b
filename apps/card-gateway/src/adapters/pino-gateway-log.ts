import type { Logger } from '@corebank/platform-observability';

import type {
  GatewayLog,
  GatewayLogFields,
} from '../application/process-card-message/gateway-log.port';

/**
 * The gateway log on the platform logger: every field passes its scrubber (PAN, CVV, PIN,
 * tokens) and each line carries the active trace id.
 */
export class PinoGatewayLog implements GatewayLog {
  constructor(private readonly logger: Logger) {}

  debug(message: string, fields: GatewayLogFields = {}): void {
    this.logger.debug(fields, message);
  }

  info(message: string, fields: GatewayLogFields = {}): void {
    this.logger.info(fields, message);
  }

  warn(message: string, fields: GatewayLogFields = {}): void {
    this.logger.warn(fields, message);
  }

  error(message: string, fields: GatewayLogFields = {}): void {
    this.logger.error(fields, message);
  }
}
