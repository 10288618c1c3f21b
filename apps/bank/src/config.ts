import { z } from 'zod';

import {
  envInteger,
  envMilliseconds,
  envString,
  type EnvRecord,
  loadConfig,
} from '@corebank/platform-config';

/**
 * The bank's configuration (every service in one process on the embedded engines), validated once
 * at boot (STYLE §7). Ports are fixed well-known defaults so the demo, the CLI and the README agree;
 * 0 picks a free port (the tests do), and the bound ports are printed in the ready line.
 */
export const bankConfigSchema = z.object({
  /** Loopback only: the card-gateway runs without processor authentication here. */
  BANK_HOST: envString({ default: '127.0.0.1' }),
  /** Every service's SQLite files and the shared embedded bus live under this directory. */
  BANK_DATA_DIR: envString({ default: 'data' }),
  BANK_LEDGER_GRPC_PORT: envInteger({ default: 50_051, min: 0, max: 65_535 }),
  BANK_AUTHORIZATION_GRPC_PORT: envInteger({ default: 50_052, min: 0, max: 65_535 }),
  BANK_SOAP_PORT: envInteger({ default: 8080, min: 0, max: 65_535 }),
  BANK_SOAP_PATH: envString({ default: '/ehi' }),
  BANK_FEED_PORT: envInteger({ default: 8081, min: 0, max: 65_535 }),
  /** Device and webhook registration (notifications' own API). */
  BANK_NOTIFICATIONS_PORT: envInteger({ default: 8082, min: 0, max: 65_535 }),
  /** Service n (in start order, from 0) serves /health and /metrics on base + 1 + n; 0: free ports. */
  BANK_OPS_PORT_BASE: envInteger({ default: 9460, min: 0, max: 65_000 }),
  /** wsdl/ of this repository, relative to the working directory (`npm start` runs at the root). */
  BANK_WSDL_PATH: envString({ default: 'wsdl/ehi-endpoint-v52.wsdl' }),
  /**
   * The card-gateway's whole reply budget. Production runs 80 ms (the gateway's default); the
   * one-process demo shares a laptop's cores with everything else, so it allows 150 ms, still
   * inside the processor's 200 ms. Set 80 to see production's behaviour.
   */
  BANK_SOAP_DEADLINE_BUDGET_MS: envMilliseconds({ default: 150, min: 10, max: 1000 }),
  /** Snowflake worker ids: the n-th service in start order gets base + n. */
  BANK_WORKER_ID_BASE: envInteger({ default: 1, min: 0, max: 1000 }),
  /** Logos are never fetched by the bank; the base only shapes the URLs put in the feed. */
  BANK_MERCHANT_LOGO_BASE_URL: envString({ default: 'https://logos.corebank.invalid/merchants' }),
  BANK_DEMO_CURRENCY: envString({ default: 'GBP' }),
  /** Minor units put on the demo account at its first start. */
  BANK_DEMO_FUNDING_MINOR: envInteger({ default: 100_000, min: 0, max: 1_000_000_000 }),
  /** The processor token of the demo's fake card (what `corebank pay` sends as Token). */
  BANK_DEMO_CARD_TOKEN: envString({ default: '900000001' }).refine(
    (token) => /^\d{1,16}$/.test(token),
    'expected up to 16 digits',
  ),
  BANK_SHUTDOWN_GRACE_MS: envMilliseconds({ default: 10_000, min: 100, max: 120_000 }),
});

export type BankConfig = ReturnType<typeof loadBankConfig>;

export function loadBankConfig(env: EnvRecord = process.env) {
  return loadConfig(bankConfigSchema, env);
}
