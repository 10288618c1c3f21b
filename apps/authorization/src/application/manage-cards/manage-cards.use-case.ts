import { lookupCurrency } from '@corebank/domain-money';
import type { Clock } from '@corebank/platform-clock';
import { PlatformError } from '@corebank/platform-errors';
import type { IdGenerator } from '@corebank/platform-ids';

import {
  activateCard,
  type Card,
  type CardStatusChange,
  freezeCard,
  type ProductRules,
  reportCard,
  type SpendingControls,
  unfreezeCard,
} from '../../domain/card';
import type { AuthorizationStore, CustomerAccount } from '../../ports/authorization-store.port';
import type { CustomerBalance, LedgerHolds } from '../../ports/ledger-holds.port';
import { deriveLedgerId } from '../ledger-transfer-ids';

export interface ManageCardsDependencies {
  readonly store: AuthorizationStore;
  readonly ledger: LedgerHolds;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  /** Source of the digits of service-assigned card tokens. */
  readonly randomDigits: (count: number) => string;
}

export interface IssueCardCommand {
  readonly idempotencyKey: string;
  readonly accountId: string;
  /** Empty: the service assigns a 9-digit token. */
  readonly processorToken: string;
  readonly lastFour: string;
  readonly expiryMonth: string;
  readonly activated: boolean;
  readonly product: ProductRules;
  readonly controls: SpendingControls;
}

// Nine random digits collide rarely; a few tries make a clash a non-event, the bound keeps it finite.
const TOKEN_ATTEMPTS_MAX = 5;
const CARDS_PER_ACCOUNT_MAX = 100;

/**
 * Accounts and cards: open and fund an account, issue cards, freeze/unfreeze (instant,
 * reversible), activate, report lost/stolen/closed, set spending controls.
 *
 * Errors (PlatformError): `invalid.*` (bad input), `not_found.account` / `not_found.card`,
 * `conflict.card_token_taken`, `conflict.card_not_changeable`, `unavailable.*` (retryable).
 */
export class ManageCardsUseCase {
  constructor(private readonly dependencies: ManageCardsDependencies) {}

  async openAccount(command: {
    readonly idempotencyKey: string;
    readonly currencyCode: string;
    readonly customerReference: string;
    /** Fixed at opening: a test account's ledger accounts and events are marked as such. */
    readonly testAccount?: boolean;
  }): Promise<CustomerAccount> {
    const { store, ledger, ids, clock } = this.dependencies;
    requireKey(command.idempotencyKey);
    if (lookupCurrency(command.currencyCode).kind !== 'currency') {
      throw invalid('invalid.currency', 'unknown currency');
    }
    const accountId = await store.claimRequest(
      `open-account:${command.idempotencyKey}`,
      ids.nextId(),
    );
    const existing = await store.getAccount(accountId);
    if (existing !== undefined) {
      return existing;
    }
    const account: CustomerAccount = {
      accountId,
      overdraftAccountId: deriveLedgerId(`overdraft:${accountId}`),
      currencyCode: command.currencyCode,
      customerReference: command.customerReference,
      openedAtMs: clock.nowMs(),
      ...(command.testAccount === true ? { testAccount: true } : {}),
    };
    // Ledger first: a crash after it leaves a ledger account that the retry (same key, same id)
    // finds already there, never a store record pointing at no ledger account.
    await ledger.openCustomerAccounts(account);
    await store.insertAccount(account);
    return account;
  }

  async fundAccount(command: {
    readonly idempotencyKey: string;
    readonly accountId: string;
    readonly amountMinor: bigint;
  }): Promise<CustomerBalance> {
    requireKey(command.idempotencyKey);
    if (command.amountMinor <= 0n) {
      throw invalid('invalid.amount', 'amount must be positive');
    }
    const account = await this.account(command.accountId);
    await this.dependencies.ledger.fund(
      account,
      deriveLedgerId(`fund:${command.accountId}:${command.idempotencyKey}`),
      command.amountMinor,
    );
    return this.dependencies.ledger.balance(account);
  }

  async balance(accountId: string): Promise<CustomerBalance> {
    return this.dependencies.ledger.balance(await this.account(accountId));
  }

  async issueCard(command: IssueCardCommand): Promise<Card> {
    const { store } = this.dependencies;
    requireKey(command.idempotencyKey);
    const account = await this.account(command.accountId);
    if (!/^\d{4}$/.test(command.lastFour)) {
      throw invalid('invalid.last_four', 'last four must be 4 digits');
    }
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(command.expiryMonth)) {
      throw invalid('invalid.expiry_month', 'expiry month must be YYYY-MM');
    }
    if (command.processorToken !== '' && !/^\d{1,19}$/.test(command.processorToken)) {
      throw invalid('invalid.token', 'token must be digits');
    }
    const candidate = await this.candidateToken(command.processorToken);
    // The key remembers the token it was first used with, so a retried IssueCard returns that card.
    const token = await store.claimRequest(`issue-card:${command.idempotencyKey}`, candidate);
    const existing = await store.getCard(token);
    if (existing !== undefined) {
      return this.issuedEarlier(existing, account.accountId);
    }
    const card: Card = {
      token,
      accountId: account.accountId,
      lastFour: command.lastFour,
      expiryMonth: command.expiryMonth,
      status: command.activated ? 'active' : 'not_activated',
      currencyCode: account.currencyCode,
      product: command.product,
      controls: command.controls,
      ...(account.testAccount === true ? { testAccount: true } : {}),
    };
    if (!(await store.insertCard(card))) {
      throw new PlatformError('conflict.card_token_taken', 'token already issued', {
        retryable: false,
      });
    }
    return card;
  }

  private issuedEarlier(card: Card, accountId: string): Card {
    if (card.accountId !== accountId) {
      throw new PlatformError('conflict.card_token_taken', 'token issued to another account', {
        retryable: false,
      });
    }
    return card;
  }

  private async candidateToken(processorToken: string): Promise<string> {
    if (processorToken !== '') {
      return processorToken;
    }
    for (let attempt = 1; attempt <= TOKEN_ATTEMPTS_MAX; attempt += 1) {
      const token = this.dependencies.randomDigits(9);
      if ((await this.dependencies.store.getCard(token)) === undefined) {
        return token;
      }
    }
    throw new PlatformError('exhausted.card_tokens', 'no free token found', { retryable: true });
  }

  card(token: string): Promise<Card> {
    return this.dependencies.store.getCard(token).then((card) => {
      if (card === undefined) {
        throw new PlatformError('not_found.card', 'card not found', { retryable: false });
      }
      return card;
    });
  }

  async listCards(accountId: string): Promise<readonly Card[]> {
    return this.dependencies.store.listCards(accountId, CARDS_PER_ACCOUNT_MAX);
  }

  freeze(token: string): Promise<Card> {
    return this.changeStatus(token, freezeCard);
  }

  unfreeze(token: string): Promise<Card> {
    return this.changeStatus(token, unfreezeCard);
  }

  activate(token: string): Promise<Card> {
    return this.changeStatus(token, activateCard);
  }

  report(token: string, report: 'lost' | 'stolen' | 'closed'): Promise<Card> {
    return this.changeStatus(token, (card) => reportCard(card, report));
  }

  async setSpendingControls(token: string, controls: SpendingControls): Promise<Card> {
    if (controls.perTransactionLimitMinor < 0n || controls.dailyLimitMinor < 0n) {
      throw invalid('invalid.limit', 'limits must not be negative');
    }
    const card = await this.card(token);
    const updated = { ...card, controls };
    await this.dependencies.store.updateCard(updated);
    return updated;
  }

  private async changeStatus(
    token: string,
    change: (card: Card) => CardStatusChange,
  ): Promise<Card> {
    const outcome = change(await this.card(token));
    switch (outcome.kind) {
      case 'changed':
        await this.dependencies.store.updateCard(outcome.card);
        return outcome.card;
      case 'unchanged':
        return outcome.card;
      case 'refused':
        throw new PlatformError('conflict.card_not_changeable', 'card status cannot change so', {
          retryable: false,
        });
    }
  }

  private async account(accountId: string): Promise<CustomerAccount> {
    const account = await this.dependencies.store.getAccount(accountId);
    if (account === undefined) {
      throw new PlatformError('not_found.account', 'account not found', { retryable: false });
    }
    return account;
  }
}

function requireKey(idempotencyKey: string): void {
  if (idempotencyKey === '') {
    throw invalid('invalid.idempotency_key', 'idempotency key required');
  }
}

function invalid(code: `invalid.${string}`, message: string): PlatformError {
  return new PlatformError(code, message, { retryable: false });
}
