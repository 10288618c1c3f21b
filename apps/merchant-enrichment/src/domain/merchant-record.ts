import { enrichMerchant } from '@corebank/domain-merchant';
import type {
  AuthorizationTransactionData,
  EnrichedMerchant,
  MerchantAddress,
} from '@corebank/domain-transaction-events';

export interface NewMerchantInput {
  /** `merch_<snowflake>`, chosen by the caller. */
  readonly merchantId: string;
  readonly createdAt: Date;
  readonly logoBaseUrl: string;
}

/**
 * The merchant record for the merchant fields of one transaction: the directory's chain or a
 * cleaned name, the MCC's category and emoji, a logo for chains, and whatever location the
 * network sent. Pure: id and time come in.
 */
export function newMerchantRecord(
  transaction: Pick<AuthorizationTransactionData, 'merchant' | 'mcc'>,
  input: NewMerchantInput,
): EnrichedMerchant {
  const raw = transaction.merchant;
  const enrichment = enrichMerchant(
    {
      name: raw.name === '' ? raw.nameLocationRaw : raw.name,
      city: raw.city,
      country: raw.country,
      mcc: transaction.mcc,
    },
    { logoBaseUrl: input.logoBaseUrl },
  );
  return {
    id: input.merchantId,
    groupId: enrichment.groupId ?? null,
    name: enrichment.name,
    category: enrichment.category,
    emoji: enrichment.emoji,
    logoUrl: enrichment.logoUrl ?? null,
    createdAt: input.createdAt.toISOString(),
    address: addressOf(raw),
  };
}

/** Only the parts the network sends (DE43 city, region, country); the rest stays unknown. */
function addressOf(raw: AuthorizationTransactionData['merchant']): MerchantAddress | null {
  const city = presentOrNull(raw.city);
  const region = presentOrNull(raw.region);
  const country = presentOrNull(raw.country);
  if (city === null && region === null && country === null) {
    return null;
  }
  return { address: null, city, region, country, postcode: null, latitude: null, longitude: null };
}

function presentOrNull(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === '' ? null : trimmed;
}
