/** One approved payment as the checks need it: where it was made and for how much. */
export interface ApprovedPayment {
  readonly txnId: string;
  readonly amountMinor: bigint;
  readonly deviceToken: string;
}

/** What the bank shows for one account (and its customer's device) at one moment. */
export interface AccountObservation {
  /** Amounts of the account's card holds still pending in the ledger. */
  readonly pendingHoldAmounts: readonly bigint[];
  /** The account's feed transactions: id and signed amount in minor units. */
  readonly feedItems: readonly { readonly id: string; readonly amount: number }[];
}

/** Events consumed from authorization.transactions.v1, duplicates included. */
export interface ObservedEvent {
  readonly id: string;
  readonly data: unknown;
}

/** Pushes APNs accepted: the device and the collapse id (the feed item id). */
export interface ObservedPush {
  readonly deviceToken: string;
  readonly collapseId: string;
}

export interface PaymentFinding {
  readonly txnId: string;
  readonly problem: string;
}

function fieldOf(data: unknown, name: string): unknown {
  return typeof data === 'object' && data !== null && !Array.isArray(data)
    ? (data as Record<string, unknown>)[name]
    : undefined;
}

/**
 * What is missing or doubled for one approved payment of an account: its pending hold in the
 * ledger, its approval event on the bus (one event id; redeliveries of that id are fine), its
 * feed item and its push to the customer's device must each be there exactly once. A card's
 * payments have distinct amounts, so the amount names the hold and the feed item.
 */
export function findPaymentProblems(
  payment: ApprovedPayment,
  account: AccountObservation,
  events: readonly ObservedEvent[],
  pushes: readonly ObservedPush[],
): PaymentFinding[] {
  const problems: string[] = [];
  const holds = account.pendingHoldAmounts.filter((amount) => amount === payment.amountMinor);
  if (holds.length !== 1) {
    problems.push(`${holds.length} pending card holds of ${payment.amountMinor} in the ledger`);
  }
  const approvalEventIds = new Set(
    events
      .filter(
        (event) =>
          fieldOf(event.data, 'txnId') === payment.txnId &&
          fieldOf(event.data, 'responseCode') === '00',
      )
      .map((event) => event.id),
  );
  if (approvalEventIds.size !== 1) {
    problems.push(`${approvalEventIds.size} distinct approval events on the bus`);
  }
  const items = account.feedItems.filter((item) => item.amount === -Number(payment.amountMinor));
  const [item] = items;
  if (items.length !== 1 || item === undefined) {
    problems.push(`${items.length} feed items of -${payment.amountMinor}`);
  } else {
    const sent = pushes.filter(
      (push) => push.deviceToken === payment.deviceToken && push.collapseId === item.id,
    );
    if (sent.length !== 1) {
      problems.push(`${sent.length} pushes for feed item ${item.id}`);
    }
  }
  return problems.map((problem) => ({ txnId: payment.txnId, problem }));
}
