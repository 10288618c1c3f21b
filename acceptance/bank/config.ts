import { z } from 'zod';

import { envString, type EnvRecord, loadConfig } from '@corebank/platform-config';
import { HS256_SECRET_BYTES_MIN } from '@corebank/platform-auth';

/**
 * The acceptance launcher of the one-process bank: the bank's own BANK_* settings, plus the HS256
 * key its customer APIs verify bearer tokens with. The bank makes a random key per start (no
 * secret stored); scenarios and the prober must sign tokens for the test accounts they open, so
 * the launcher hands the bank this key instead.
 */
export const acceptanceBankConfigSchema = z.object({
  ACCEPTANCE_BANK_CUSTOMER_TOKEN_SECRET: envString({ minLength: HS256_SECRET_BYTES_MIN }),
});

export type AcceptanceBankConfig = ReturnType<typeof loadAcceptanceBankConfig>;

export function loadAcceptanceBankConfig(env: EnvRecord = process.env) {
  return loadConfig(acceptanceBankConfigSchema, env);
}
