import type { RawMerchantFieldsData } from '@corebank/domain-transaction-events';

/**
 * The natural key a merchant is created once under. The acquirer's merchant id (DE42) names one
 * merchant outlet; without it, the same name in the same city and country is taken to be the
 * same merchant. Normalisation (case, spacing, punctuation) keeps "PRET  A MANGER" and
 * "Pret a Manger" together. Returns undefined when the message names no merchant at all.
 */
export function merchantKeyOf(raw: RawMerchantFieldsData): string | undefined {
  const acquirerMerchantId = raw.merchantId.trim();
  if (acquirerMerchantId !== '') {
    return `mid:${acquirerMerchantId}`;
  }
  const name = normalised(raw.name === '' ? raw.nameLocationRaw : raw.name);
  if (name === '') {
    return undefined;
  }
  return `name:${name}|${normalised(raw.city)}|${normalised(raw.country)}`;
}

function normalised(text: string): string {
  return text
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
