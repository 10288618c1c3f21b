import { z } from 'zod';

/** A token lists at most this many accounts: it travels in every request header. */
export const TOKEN_ACCOUNTS_MAX = 20;

export interface CustomerAccount {
  readonly id: string;
  readonly description: string;
  /** RFC 3339 UTC. */
  readonly created: string;
}

/** Who a valid token speaks for: the customer and the accounts its issuer granted. */
export interface Principal {
  readonly customerId: string;
  readonly accounts: readonly CustomerAccount[];
}

export const customerAccountSchema = z.object({
  id: z.string().min(1).max(128),
  description: z.string().max(256),
  created: z.string().datetime(),
});

/** The claims every customer-facing API reads; unknown claims are ignored. */
export const tokenClaimsSchema = z.object({
  sub: z.string().min(1).max(128),
  iss: z.string().min(1).max(256),
  aud: z.union([z.string().max(256), z.array(z.string().max(256)).max(8)]).optional(),
  exp: z.number().int(),
  nbf: z.number().int().optional(),
  iat: z.number().int().optional(),
  accounts: z.array(customerAccountSchema).max(TOKEN_ACCOUNTS_MAX),
});

export type TokenClaims = z.infer<typeof tokenClaimsSchema>;
