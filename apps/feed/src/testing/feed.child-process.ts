/**
 * The feed service in its own OS process, for the crash test: it runs the real app (bootstrap)
 * on the embedded bus and SQLite store named by its environment record, and when
 * `crashAfterPublishes` is set it kills itself with SIGKILL right after that many durable
 * publishes on feed.items.v1, that is after the store write and before the offset commit.
 */
import { TRANSACTION_TOPICS } from '@corebank/domain-transaction-events';
import { createEventBus, type EventBus } from '@corebank/platform-event-bus';

import { loadFeedConfig } from '../config';
import { bootstrap } from '../main';

export interface FeedChildArguments {
  readonly environment: Readonly<Record<string, string>>;
  readonly crashAfterPublishes?: number;
}

export type FeedChildMessage =
  | { readonly kind: 'ready'; readonly httpPort: number }
  | { readonly kind: 'failed'; readonly message: string };

function send(message: FeedChildMessage): void {
  process.send?.(message);
}

function crashingAfter(inner: EventBus, publishesMax: number): EventBus {
  let publishes = 0;
  return {
    publish: async (topic, events) => {
      await inner.publish(topic, events);
      if (topic === TRANSACTION_TOPICS.feedItems) {
        publishes += 1;
        if (publishes >= publishesMax) {
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
  const { environment, crashAfterPublishes } = JSON.parse(argument) as FeedChildArguments;
  const config = loadFeedConfig(environment);
  const ownBus = createEventBus(
    config.bus.engine === 'kafka'
      ? { ...config.bus, brokers: [...config.bus.brokers] }
      : { ...config.bus },
  );
  const eventBus =
    crashAfterPublishes === undefined ? ownBus : crashingAfter(ownBus, crashAfterPublishes);
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
  send({ kind: 'ready', httpPort: running.httpPort });
}

main().catch((error: unknown) => {
  send({ kind: 'failed', message: String(error) });
  process.exit(1);
});
