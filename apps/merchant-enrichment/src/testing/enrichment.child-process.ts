/**
 * Merchant enrichment in its own OS process, for the crash test: it runs the real app
 * (bootstrap) on the embedded bus and SQLite store named by its environment record, and when
 * `crashAfterPublishes` is set it kills itself with SIGKILL right after that many durable
 * publishes on enrichment.transactions.v1, that is after the effect and before the offset commit.
 */
import { writeFileSync } from 'node:fs';

import { TRANSACTION_TOPICS } from '@corebank/domain-transaction-events';
import { createEventBus, type EventBus } from '@corebank/platform-event-bus';

import { loadMerchantEnrichmentConfig } from '../config';
import { bootstrap } from '../main';

export interface EnrichmentChildArguments {
  readonly environment: Readonly<Record<string, string>>;
  readonly crashAfterPublishes?: number;
  /** Where the ids of the last publish before the kill are written (synchronously). */
  readonly crashRecordPath?: string;
}

export type EnrichmentChildMessage =
  { readonly kind: 'ready' } | { readonly kind: 'failed'; readonly message: string };

function send(message: EnrichmentChildMessage): void {
  process.send?.(message);
}

function crashingAfter(inner: EventBus, publishesMax: number, recordPath: string): EventBus {
  let publishes = 0;
  return {
    publish: async (topic, events) => {
      await inner.publish(topic, events);
      if (topic === TRANSACTION_TOPICS.enrichment) {
        publishes += 1;
        if (publishes >= publishesMax) {
          writeFileSync(recordPath, JSON.stringify(events.map((event) => event.id)));
          process.kill(process.pid, 'SIGKILL');
        }
      }
    },
    subscribe: (options) => inner.subscribe(options),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}

async function main(): Promise<void> {
  const argument = process.argv[2];
  if (argument === undefined) {
    throw new Error('missing arguments');
  }
  const { environment, crashAfterPublishes, crashRecordPath } = JSON.parse(
    argument,
  ) as EnrichmentChildArguments;
  const config = loadMerchantEnrichmentConfig(environment);
  const ownBus = createEventBus(
    config.bus.engine === 'kafka'
      ? { ...config.bus, brokers: [...config.bus.brokers] }
      : { ...config.bus },
  );
  const eventBus =
    crashAfterPublishes === undefined || crashRecordPath === undefined
      ? ownBus
      : crashingAfter(ownBus, crashAfterPublishes, crashRecordPath);
  const running = await bootstrap(config, { eventBus });
  process.on('message', (message: unknown) => {
    if (message === 'stop') {
      running
        .close()
        .then(() => ownBus.close())
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    }
  });
  send({ kind: 'ready' });
}

main().catch((error: unknown) => {
  send({ kind: 'failed', message: String(error) });
  process.exit(1);
});
