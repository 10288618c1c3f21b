import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { TRANSACTION_TOPICS } from '@corebank/domain-transaction-events';
import { DEAD_LETTER_TOPIC_SUFFIX } from '@corebank/platform-event-bus';
import { type KafkaMockCluster, startKafkaMock } from '@corebank/testing-engines';

import {
  BANK_EXIT_TIMEOUT_MS,
  BANK_READY_TIMEOUT_MS,
  corebank,
  field,
  pollUntil,
  type RunningBankProcess,
  startBankProcess,
  stopBankProcess,
} from './testing/bank-process';

/**
 * The same one-process bank with BANK_BUS_ENGINE=kafka on librdkafka's mock cluster: the test
 * provisions the topics (the mock refuses CreateTopics over the wire, and the bank never creates
 * topics), and a payment through SOAP reaches the feed over Kafka.
 */
describe('the bank on the Kafka bus (librdkafka mock cluster)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'corebank-bank-kafka-'));
  let cluster: KafkaMockCluster | undefined;
  let bank: RunningBankProcess | undefined;

  beforeAll(async () => {
    cluster = await startKafkaMock({ brokers: 1 });
    for (const topic of Object.values(TRANSACTION_TOPICS)) {
      for (const name of [topic, `${topic}${DEAD_LETTER_TOPIC_SUFFIX}`]) {
        await cluster.createTopic({ name, partitions: 2, replicationFactor: 1 });
      }
    }
    bank = await startBankProcess(dataDir, process.env, {
      BANK_BUS_ENGINE: 'kafka',
      KAFKA_BROKERS: cluster.brokerAddresses.join(','),
      // The mock's coordinator waits `session - 1 s` per rebalance: keep group joins short.
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_HEARTBEAT_INTERVAL_MS: '500',
      KAFKA_FETCH_MAX_WAIT_MS: '200',
    });
  }, BANK_READY_TIMEOUT_MS + 15_000);

  afterAll(async () => {
    if (bank !== undefined) {
      await stopBankProcess(bank).catch(() => bank?.child.kill('SIGKILL'));
    }
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, BANK_EXIT_TIMEOUT_MS + 15_000);

  it('approves a SOAP payment and the feed shows it, carried by Kafka', async () => {
    if (bank === undefined) {
      throw new Error('bank not started');
    }
    const { ready } = bank;
    expect(ready.busEngine).toBe('kafka');
    expect(Object.keys(ready.opsUrls)).toEqual(
      expect.arrayContaining(['ledger', 'authorization', 'card-gateway', 'feed']),
    );
    const paid = await corebank(bank, ['pay', ready.demoCardToken, '4.20', '--merchant', 'Kiosk']);
    expect(paid.exitCode).toBe(0);
    expect(field(paid.json, 'authorization', 'responseStatus')).toBe('00');
    expect(field(paid.json, 'balance', 'available')).toBe('995.80');

    const { transactions, bearerToken } = ready.demoAccess;
    const items = await pollUntil(
      async () => {
        const response = await fetch(String(transactions), {
          headers: { authorization: `Bearer ${String(bearerToken)}` },
          signal: AbortSignal.timeout(5_000),
        });
        const body = (await response.json()) as { transactions?: Record<string, unknown>[] };
        return body.transactions ?? [];
      },
      (found) => found.some((item) => item['amount'] === -420),
      30_000,
    );
    expect(items).toContainEqual(
      expect.objectContaining({ amount: -420, currency: 'GBP', account_id: ready.demoAccountId }),
    );
  }, 60_000);
});
