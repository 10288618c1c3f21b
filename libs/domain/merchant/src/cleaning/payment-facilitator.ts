import { hygieneMerchantText, upperCaseSameLength } from './text-hygiene';

/**
 * Payment facilitators put their own short code before the seller's name, separated by `*`:
 * Square `SQ *`, SumUp `SUMUP *`, iZettle `IZ *`, Zettle `ZTL*`, PayPal `PAYPAL *` / `PP*`,
 * Shopify `SP *`, Toast `TST*`, Creditcall `CRV*`, Stripe `STRIPE*`.
 */
export const PAYMENT_FACILITATOR_CODES = [
  'SQ',
  'SUMUP',
  'IZ',
  'IZETTLE',
  'ZTL',
  'ZETTLE',
  'PAYPAL',
  'PP',
  'SP',
  'TST',
  'CRV',
  'STRIPE',
] as const;

const FACILITATOR_PREFIX = new RegExp(`^(?:${PAYMENT_FACILITATOR_CODES.join('|')}) ?\\* ?`);

/**
 * The seller's part of a descriptor that starts with a facilitator prefix (`SQ *JOE'S CAFE` →
 * `JOE'S CAFE`), hygiened; undefined when there is no prefix or nothing follows it.
 */
export function sellerBehindPaymentFacilitator(text: string): string | undefined {
  const hygiened = hygieneMerchantText(text);
  const prefix = FACILITATOR_PREFIX.exec(upperCaseSameLength(hygiened));
  if (prefix === null) {
    return undefined;
  }
  const seller = hygiened.slice(prefix[0].length).trim();
  return seller === '' ? undefined : seller;
}
