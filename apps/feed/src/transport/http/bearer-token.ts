import {
  type Principal as TokenPrincipal,
  type TokenRefusalReason,
  type TokenVerifier,
  verifyBearerToken,
} from '@corebank/platform-auth';

/**
 * The feed's view of a verified bearer token (verification itself is @corebank/platform-auth,
 * shared with every customer-facing API): the account ids as a set, for ownership checks.
 */
export interface Principal extends TokenPrincipal {
  readonly accountIds: ReadonlySet<string>;
}

export type BearerAuthentication =
  | { readonly kind: 'valid'; readonly principal: Principal }
  | { readonly kind: 'invalid'; readonly reason: TokenRefusalReason };

export function authenticateBearer(
  authorizationHeader: string | undefined,
  verifier: TokenVerifier,
): BearerAuthentication {
  const verification = verifyBearerToken(authorizationHeader, verifier);
  if (verification.kind === 'invalid') {
    return verification;
  }
  const { customerId, accounts } = verification.principal;
  return {
    kind: 'valid',
    principal: {
      customerId,
      accounts,
      accountIds: new Set(accounts.map((account) => account.id)),
    },
  };
}
