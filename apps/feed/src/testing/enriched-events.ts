import {
  type AuthorizationTransactionEventType,
  type EnrichedMerchant,
  enrichedTransactionDataToJson,
  parseEnrichedTransactionEvent,
  TRANSACTION_TOPICS,
} from '@corebank/domain-transaction-events';
import type { EventBus, EventEnvelope, Subscription } from '@corebank/platform-event-bus';

/** Test builders: enrichment.transactions.v1 events as merchant-enrichment publishes them. */
export const SOURCE_TOPIC = TRANSACTION_TOPICS.enrichment;
export const OUTPUT_TOPIC = TRANSACTION_TOPICS.feedItems;

export function merchant(index: number): EnrichedMerchant {
  return {
    id: `merch_${9000 + index}`,
    groupId: 'grp_pret',
    name: 'Pret A Manger',
    category: 'eating_out',
    emoji: '🥪',
    logoUrl: 'https://cdn.corebank.test/logos/pret.png',
    createdAt: '2026-11-22T01:00:00.000Z',
    address: null,
  };
}

export interface EnrichedEventSpec {
  /** Authorization's source event id (a snowflake in decimal). */
  readonly sourceId: string;
  readonly accountId: string;
  readonly lifecycleId: string;
  readonly type: AuthorizationTransactionEventType;
  readonly amountMinor: bigint;
  readonly enriched: boolean;
  readonly occurredAt: string;
  readonly declineReason?: string;
}

export function enrichedEvent(spec: EnrichedEventSpec): EventEnvelope {
  const settling =
    spec.type === 'authorization.transaction.settled.v1' ||
    spec.type === 'authorization.transaction.credited.v1';
  const authorizing = spec.type === 'authorization.transaction.authorized.v1';
  const data = enrichedTransactionDataToJson({
    transaction: {
      txnId: `txn-${spec.sourceId}`,
      decisionId: `d-${spec.sourceId}`,
      lifecycleId: spec.lifecycleId,
      messageKind: settling ? 'presented' : 'auth_requested',
      mtid: settling ? '1240' : '0100',
      txnType: 'A',
      cardToken: '400000001',
      accountId: spec.accountId,
      responseCode: spec.declineReason === undefined ? '00' : '51',
      declineReason: spec.declineReason ?? '',
      billAmountMinor: -spec.amountMinor,
      billCurrency: 'GBP',
      txnAmountMinor: -spec.amountMinor,
      txnCurrency: 'GBP',
      holdChangeMinor: authorizing ? spec.amountMinor : settling ? -spec.amountMinor : 0n,
      postedMinor: settling ? -spec.amountMinor : 0n,
      mcc: '5812',
      merchant: {
        name: 'PRET A MANGER',
        city: 'LONDON',
        region: '',
        country: 'GBR',
        merchantId: 'MID-PRET',
        terminalId: 'T1',
        nameLocationRaw: 'PRET A MANGER          LONDON       GBR',
      },
      txnCountry: 'GBR',
      processorTimestamp: '2026-11-22 01:00:00.000',
      receivedAt: spec.occurredAt,
      flags: [],
    },
    merchant: spec.enriched ? merchant(Number(spec.lifecycleId.replace(/\D/g, '')) % 100) : null,
    enrichment: spec.enriched
      ? { status: 'enriched' }
      : { status: 'unenriched', reason: 'deadline_exceeded' },
  });
  const parsed = parseEnrichedTransactionEvent(spec.type, data);
  if (parsed.kind !== 'parsed') {
    throw new Error(`test builder produced an invalid event: ${parsed.reason}`);
  }
  return {
    id: `${spec.sourceId}:${spec.enriched ? 'enriched' : 'unenriched'}`,
    type: spec.type,
    version: 1,
    occurredAt: spec.occurredAt,
    key: spec.accountId,
    traceparent: `00-${spec.sourceId.padStart(32, '0')}-00000000000000a1-01`,
    data,
  };
}

export interface ExpectedTransaction {
  readonly accountId: string;
  readonly lifecycleId: string;
  readonly status: 'authorized' | 'declined' | 'reversed' | 'settled';
  readonly amount: number;
  readonly settled: boolean;
}

/**
 * The lifecycles of `count` transactions over `accounts`: each authorized (published unenriched
 * first, enriched after), then settled, reversed, or left authorized; every fourth is declined.
 * Source ids rise in lifecycle order, as authorization's outbox issues them.
 */
export function lifecycles(
  count: number,
  accounts: readonly string[],
  firstSourceId: bigint,
): { events: EventEnvelope[]; expected: ExpectedTransaction[] } {
  const events: EventEnvelope[] = [];
  const expected: ExpectedTransaction[] = [];
  for (let index = 0; index < count; index += 1) {
    const accountId = accounts[index % accounts.length] ?? 'acc_missing';
    const lifecycleId = `lc-${index}`;
    const amountMinor = BigInt(100 + index);
    const base = firstSourceId + BigInt(index * 10);
    const at = (offsetMs: number): string =>
      new Date(Date.UTC(2026, 10, 22, 1, 0, 0) + index * 1000 + offsetMs).toISOString();
    const common = { accountId, lifecycleId, amountMinor };
    if (index % 4 === 3) {
      events.push(
        enrichedEvent({
          ...common,
          sourceId: String(base),
          type: 'authorization.transaction.declined.v1',
          enriched: true,
          occurredAt: at(0),
          declineReason: 'insufficient_funds',
        }),
      );
      expected.push({
        accountId,
        lifecycleId,
        status: 'declined',
        amount: -Number(amountMinor),
        settled: false,
      });
      continue;
    }
    const authorization = {
      ...common,
      sourceId: String(base),
      type: 'authorization.transaction.authorized.v1' as const,
      occurredAt: at(0),
    };
    events.push(enrichedEvent({ ...authorization, enriched: false }));
    events.push(enrichedEvent({ ...authorization, enriched: true }));
    if (index % 4 === 0) {
      events.push(
        enrichedEvent({
          ...common,
          sourceId: String(base + 1n),
          type: 'authorization.transaction.settled.v1',
          enriched: true,
          occurredAt: at(500),
        }),
      );
      expected.push({
        accountId,
        lifecycleId,
        status: 'settled',
        amount: -Number(amountMinor),
        settled: true,
      });
    } else if (index % 4 === 1) {
      events.push(
        enrichedEvent({
          ...common,
          sourceId: String(base + 1n),
          type: 'authorization.transaction.reversed.v1',
          enriched: true,
          occurredAt: at(500),
        }),
      );
      expected.push({
        accountId,
        lifecycleId,
        status: 'reversed',
        amount: -Number(amountMinor),
        settled: false,
      });
    } else {
      expected.push({
        accountId,
        lifecycleId,
        status: 'authorized',
        amount: -Number(amountMinor),
        settled: false,
      });
    }
  }
  return { events, expected };
}

export interface EventCollector {
  readonly events: EventEnvelope[];
  stop(): Promise<void>;
}

/** Records every event of `topic` seen by a fresh consumer group. */
export async function collectEvents(
  bus: EventBus,
  topic: string,
  groupId: string,
): Promise<EventCollector> {
  const events: EventEnvelope[] = [];
  const subscription: Subscription = await bus.subscribe({
    topic,
    groupId,
    handler: (event) => {
      events.push(event);
      return Promise.resolve();
    },
  });
  return { events, stop: () => subscription.stop() };
}

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs` with `describe()`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A fixed permutation (seeded LCG), so "out of order" is the same on every run. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed >>> 0;
  for (let index = result.length - 1; index > 0; index -= 1) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const other = state % (index + 1);
    [result[index], result[other]] = [result[other], result[index]] as [T, T];
  }
  return result;
}
