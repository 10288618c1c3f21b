import { z } from 'zod';

import { envMilliseconds, envString, type EnvRecord, loadConfig } from '@corebank/platform-config';

/**
 * Where the `corebank` CLI sends its calls: the bank's well-known defaults, overridable by these
 * variables and then by the `--cards` / `--soap` flags.
 */
export const corebankCliConfigSchema = z.object({
  /** authorization's CardService (gRPC). */
  COREBANK_CARDS_ADDRESS: envString({ default: '127.0.0.1:50052' }),
  /** The card-gateway's SOAP endpoint, where the CLI plays the card processor. */
  COREBANK_SOAP_URL: envString({ default: 'http://127.0.0.1:8080/ehi' }),
  /** The card `load` pays with unless --card is given: the bank's demo card. */
  COREBANK_DEMO_CARD_TOKEN: envString({ default: '900000001' }),
  /**
   * Ops ports (comma-separated) whose /traces hold spans: any one of the one-process bank's
   * (it records every service's spans in one place; the default is the ledger's), or every
   * service's in distributed mode, the card-gateway's first (payments are found there).
   */
  COREBANK_OPS_URL: envString({ default: 'http://127.0.0.1:9461' }),
  COREBANK_CALL_TIMEOUT_MS: envMilliseconds({ default: 10_000, min: 100, max: 120_000 }),
});

export type CorebankCliConfig = ReturnType<typeof loadCorebankCliConfig>;

export function loadCorebankCliConfig(env: EnvRecord = process.env) {
  return loadConfig(corebankCliConfigSchema, env);
}
