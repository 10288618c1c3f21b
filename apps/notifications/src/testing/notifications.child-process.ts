/**
 * The notifications app in its own OS process, for the crash test: it runs the real app
 * (bootstrap) from the environment record it is given, and when `crashAfterSentMarkers` is set
 * it kills itself with SIGKILL right after that many "sent" markers are durably written, that is
 * after the provider accepted the push and before the bus offset is committed.
 */
import { writeFileSync } from 'node:fs';

import { loadNotificationsConfig } from '../config';
import { bootstrap } from '../main';
import type { NotificationStore } from '../ports/notification-store.port';

export interface NotificationsChildArguments {
  readonly environment: Readonly<Record<string, string>>;
  readonly crashAfterSentMarkers?: number;
  /** Where the marker written just before the kill is recorded (synchronously). */
  readonly crashRecordPath?: string;
}

export type NotificationsChildMessage =
  | { readonly kind: 'ready'; readonly httpPort: number }
  | { readonly kind: 'failed'; readonly message: string };

function send(message: NotificationsChildMessage): void {
  process.send?.(message);
}

function crashingAfter(
  inner: NotificationStore,
  sentMarkersMax: number,
  recordPath: string,
): NotificationStore {
  let sentMarkers = 0;
  return {
    saveDevice: (device, accountIds) => inner.saveDevice(device, accountIds),
    devicesOfCustomer: (customerId) => inner.devicesOfCustomer(customerId),
    devicesOfAccount: (accountId) => inner.devicesOfAccount(accountId),
    findDevice: (deviceId) => inner.findDevice(deviceId),
    removeDevice: (device) => inner.removeDevice(device),
    saveWebhook: (webhook) => inner.saveWebhook(webhook),
    webhooksOfAccount: (accountId) => inner.webhooksOfAccount(accountId),
    findWebhook: (webhookId) => inner.findWebhook(webhookId),
    removeWebhook: (webhook) => inner.removeWebhook(webhook),
    claimDelivery: (key, fencingToken) => inner.claimDelivery(key, fencingToken),
    finishDelivery: async (key, fencingToken, state) => {
      const written = await inner.finishDelivery(key, fencingToken, state);
      if (written && state === 'sent') {
        sentMarkers += 1;
        if (sentMarkers >= sentMarkersMax) {
          writeFileSync(recordPath, JSON.stringify(key));
          process.kill(process.pid, 'SIGKILL');
        }
      }
      return written;
    },
  };
}

async function main(): Promise<void> {
  const argument = process.argv[2];
  if (argument === undefined) {
    throw new Error('missing arguments');
  }
  const { environment, crashAfterSentMarkers, crashRecordPath } = JSON.parse(
    argument,
  ) as NotificationsChildArguments;
  const running = await bootstrap(
    loadNotificationsConfig(environment),
    crashAfterSentMarkers === undefined || crashRecordPath === undefined
      ? {}
      : {
          wrapNotificationStore: (store) =>
            crashingAfter(store, crashAfterSentMarkers, crashRecordPath),
        },
  );
  process.on('message', (message: unknown) => {
    if (message === 'stop') {
      running.close().then(
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
