import { MCC_GROUP_NAMES, type MccGroup } from '@corebank/domain-merchant';
import { authorizationCardsV1 } from '@corebank/contracts-proto';
import { PlatformError } from '@corebank/platform-errors';
import type { UnaryHandlers } from '@corebank/platform-rpc';

import type { ManageCardsUseCase } from '../../application/manage-cards/manage-cards.use-case';
import {
  type Card,
  type CardStatus,
  NO_SPENDING_CONTROLS,
  type ProductRules,
  type SpendingControls,
  STANDARD_PRODUCT,
} from '../../domain/card';
import type { CustomerBalance } from '../../ports/ledger-holds.port';

const WireStatus = authorizationCardsV1.CardStatus;
const WireReport = authorizationCardsV1.CardReport;

/** corebank.authorization.v1.CardService over the card management use case. */
export function cardsGrpcHandlers(
  manageCards: ManageCardsUseCase,
): UnaryHandlers<typeof authorizationCardsV1.CardServiceService> {
  return {
    openAccount: async (request) => {
      const account = await manageCards.openAccount({
        idempotencyKey: request.idempotencyKey,
        currencyCode: request.currencyCode,
        customerReference: request.customerReference,
        testAccount: request.testAccount,
      });
      return {
        accountId: account.accountId,
        currencyCode: account.currencyCode,
        testAccount: account.testAccount === true,
      };
    },
    fundAccount: async (request) => {
      const balance = await manageCards.fundAccount({
        idempotencyKey: request.idempotencyKey,
        accountId: request.accountId,
        amountMinor: request.amountMinor,
      });
      return { balance: balanceToWire(request.accountId, balance) };
    },
    getAccountBalance: async (request) =>
      balanceToWire(request.accountId, await manageCards.balance(request.accountId)),
    issueCard: async (request) =>
      cardToWire(
        await manageCards.issueCard({
          idempotencyKey: request.idempotencyKey,
          accountId: request.accountId,
          processorToken: request.processorToken,
          lastFour: request.lastFour,
          expiryMonth: request.expiryMonth,
          activated: request.activated,
          product: productFromWire(request.product),
          controls: controlsFromWire(request.controls),
        }),
      ),
    getCard: async (request) => cardToWire(await manageCards.card(request.token)),
    listCards: async (request) => ({
      cards: (await manageCards.listCards(request.accountId)).map(cardToWire),
    }),
    freezeCard: async (request) => cardToWire(await manageCards.freeze(request.token)),
    unfreezeCard: async (request) => cardToWire(await manageCards.unfreeze(request.token)),
    activateCard: async (request) => cardToWire(await manageCards.activate(request.token)),
    reportCard: async (request) => {
      switch (request.report) {
        case WireReport.CARD_REPORT_LOST:
          return cardToWire(await manageCards.report(request.token, 'lost'));
        case WireReport.CARD_REPORT_STOLEN:
          return cardToWire(await manageCards.report(request.token, 'stolen'));
        case WireReport.CARD_REPORT_CLOSED:
          return cardToWire(await manageCards.report(request.token, 'closed'));
        case WireReport.CARD_REPORT_UNSPECIFIED:
        case WireReport.UNRECOGNIZED:
          throw new PlatformError('invalid.card_report', 'report is required', {
            retryable: false,
          });
      }
    },
    setSpendingControls: async (request) =>
      cardToWire(
        await manageCards.setSpendingControls(request.token, controlsFromWire(request.controls)),
      ),
  };
}

function balanceToWire(
  accountId: string,
  balance: CustomerBalance,
): authorizationCardsV1.AccountBalance {
  return {
    accountId,
    currencyCode: balance.currencyCode,
    ledgerBalanceMinor: balance.ledgerBalanceMinor,
    availableBalanceMinor: balance.availableBalanceMinor,
  };
}

function productFromWire(product: authorizationCardsV1.ProductRules | undefined): ProductRules {
  if (product === undefined) {
    return STANDARD_PRODUCT;
  }
  return {
    productCode: product.productCode === '' ? STANDARD_PRODUCT.productCode : product.productCode,
    cashWithdrawalAllowed: product.cashWithdrawalAllowed,
    cardNotPresentAllowed: product.cardNotPresentAllowed,
    holdIncludesFees: product.holdIncludesFees,
  };
}

function controlsFromWire(
  controls: authorizationCardsV1.SpendingControls | undefined,
): SpendingControls {
  if (controls === undefined) {
    return NO_SPENDING_CONTROLS;
  }
  const unknownGroup = controls.blockedMccGroups.find((group) => !isMccGroup(group));
  if (unknownGroup !== undefined) {
    throw new PlatformError('invalid.mcc_group', 'unknown MCC group', {
      retryable: false,
      params: { group: unknownGroup },
    });
  }
  const badCountry = controls.blockedCountries.find((country) => !/^[A-Z]{3}$/.test(country));
  if (badCountry !== undefined) {
    throw new PlatformError('invalid.country', 'countries are ISO 3166 alpha-3', {
      retryable: false,
    });
  }
  return {
    blockedMccGroups: controls.blockedMccGroups.filter(isMccGroup),
    perTransactionLimitMinor: controls.perTransactionLimitMinor,
    dailyLimitMinor: controls.dailyLimitMinor,
    cardNotPresentBlocked: controls.cardNotPresentBlocked,
    blockedCountries: [...controls.blockedCountries],
  };
}

function isMccGroup(name: string): name is MccGroup {
  return (MCC_GROUP_NAMES as readonly string[]).includes(name);
}

const STATUS_TO_WIRE: Readonly<Record<CardStatus, authorizationCardsV1.CardStatus>> = {
  not_activated: WireStatus.CARD_STATUS_NOT_ACTIVATED,
  active: WireStatus.CARD_STATUS_ACTIVE,
  frozen: WireStatus.CARD_STATUS_FROZEN,
  lost: WireStatus.CARD_STATUS_LOST,
  stolen: WireStatus.CARD_STATUS_STOLEN,
  closed: WireStatus.CARD_STATUS_CLOSED,
};

function cardToWire(card: Card): authorizationCardsV1.Card {
  return {
    token: card.token,
    accountId: card.accountId,
    lastFour: card.lastFour,
    expiryMonth: card.expiryMonth,
    status: STATUS_TO_WIRE[card.status],
    product: { ...card.product },
    controls: {
      blockedMccGroups: [...card.controls.blockedMccGroups],
      perTransactionLimitMinor: card.controls.perTransactionLimitMinor,
      dailyLimitMinor: card.controls.dailyLimitMinor,
      cardNotPresentBlocked: card.controls.cardNotPresentBlocked,
      blockedCountries: [...card.controls.blockedCountries],
    },
    currencyCode: card.currencyCode,
  };
}
