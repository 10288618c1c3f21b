import { PlatformError } from '@corebank/platform-errors';
import type { Row, Store } from '@corebank/platform-storage';

import type {
  ClaimOutcome,
  DeliveryMarkerKey,
  DeliveryMarkerState,
  Device,
  DeviceTarget,
  NotificationStore,
  Webhook,
} from '../ports/notification-store.port';
import {
  ACCOUNT_CUSTOMERS_TABLE,
  DELIVERY_MARKERS_TABLE,
  DEVICE_INDEX_TABLE,
  DEVICES_TABLE,
  WEBHOOK_INDEX_TABLE,
  WEBHOOKS_TABLE,
} from './notification-tables';

/**
 * Registration bounds: a customer with more devices, or an account with more webhooks, is
 * refused at registration, so one delivery never fans out without limit.
 */
export const DEVICES_PER_CUSTOMER_MAX = 20;
export const WEBHOOKS_PER_ACCOUNT_MAX = 20;

function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') {
    throw new PlatformError('invalid.notification_row', `column ${column} is not text`, {
      retryable: false,
    });
  }
  return value;
}

function date(row: Row, column: string): Date {
  const value = row[column];
  if (!(value instanceof Date)) {
    throw new PlatformError('invalid.notification_row', `column ${column} is not a timestamp`, {
      retryable: false,
    });
  }
  return value;
}

function deviceTarget(row: Row): DeviceTarget {
  // Written only by saveDevice from a validated DeviceTarget.
  return row['target'] as unknown as DeviceTarget;
}

function toDevice(row: Row): Device {
  return {
    id: text(row, 'device_id'),
    customerId: text(row, 'customer_id'),
    target: deviceTarget(row),
    createdAt: date(row, 'created_at'),
  };
}

function toWebhook(row: Row): Webhook {
  return {
    id: text(row, 'webhook_id'),
    accountId: text(row, 'account_id'),
    url: text(row, 'url'),
    secret: text(row, 'secret'),
    createdAt: date(row, 'created_at'),
  };
}

const FINISHED_STATES: ReadonlySet<string> = new Set(['sent', 'expired', 'abandoned']);

export class StoreNotificationStore implements NotificationStore {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
  ) {}

  async saveDevice(device: Device, accountIds: readonly string[]): Promise<void> {
    await this.store.batch([
      {
        kind: 'upsert',
        table: DEVICES_TABLE,
        row: {
          customer_id: device.customerId,
          device_id: device.id,
          target: device.target,
          created_at: device.createdAt,
        },
      },
      {
        kind: 'upsert',
        table: DEVICE_INDEX_TABLE,
        row: { device_id: device.id, customer_id: device.customerId },
      },
      ...accountIds.map((accountId) => ({
        kind: 'upsert' as const,
        table: ACCOUNT_CUSTOMERS_TABLE,
        row: { account_id: accountId, customer_id: device.customerId },
      })),
    ]);
  }

  async devicesOfCustomer(customerId: string): Promise<readonly Device[]> {
    const page = await this.store.query({
      table: DEVICES_TABLE,
      partition: { customer_id: customerId },
      limit: DEVICES_PER_CUSTOMER_MAX,
    });
    return page.rows.map(toDevice);
  }

  async devicesOfAccount(accountId: string): Promise<readonly Device[]> {
    const owner = await this.store.get(ACCOUNT_CUSTOMERS_TABLE, { account_id: accountId });
    return owner === undefined ? [] : this.devicesOfCustomer(text(owner, 'customer_id'));
  }

  async findDevice(deviceId: string): Promise<Device | undefined> {
    const index = await this.store.get(DEVICE_INDEX_TABLE, { device_id: deviceId });
    if (index === undefined) {
      return undefined;
    }
    const row = await this.store.get(DEVICES_TABLE, {
      customer_id: text(index, 'customer_id'),
      device_id: deviceId,
    });
    return row === undefined ? undefined : toDevice(row);
  }

  async removeDevice(device: Pick<Device, 'id' | 'customerId'>): Promise<void> {
    await this.store.batch([
      {
        kind: 'delete',
        table: DEVICES_TABLE,
        key: { customer_id: device.customerId, device_id: device.id },
      },
      { kind: 'delete', table: DEVICE_INDEX_TABLE, key: { device_id: device.id } },
    ]);
  }

  async saveWebhook(webhook: Webhook): Promise<void> {
    await this.store.batch([
      {
        kind: 'upsert',
        table: WEBHOOKS_TABLE,
        row: {
          account_id: webhook.accountId,
          webhook_id: webhook.id,
          url: webhook.url,
          secret: webhook.secret,
          created_at: webhook.createdAt,
        },
      },
      {
        kind: 'upsert',
        table: WEBHOOK_INDEX_TABLE,
        row: { webhook_id: webhook.id, account_id: webhook.accountId },
      },
    ]);
  }

  async webhooksOfAccount(accountId: string): Promise<readonly Webhook[]> {
    const page = await this.store.query({
      table: WEBHOOKS_TABLE,
      partition: { account_id: accountId },
      limit: WEBHOOKS_PER_ACCOUNT_MAX,
    });
    return page.rows.map(toWebhook);
  }

  async findWebhook(webhookId: string): Promise<Webhook | undefined> {
    const index = await this.store.get(WEBHOOK_INDEX_TABLE, { webhook_id: webhookId });
    if (index === undefined) {
      return undefined;
    }
    const row = await this.store.get(WEBHOOKS_TABLE, {
      account_id: text(index, 'account_id'),
      webhook_id: webhookId,
    });
    return row === undefined ? undefined : toWebhook(row);
  }

  async removeWebhook(webhook: Pick<Webhook, 'id' | 'accountId'>): Promise<void> {
    await this.store.batch([
      {
        kind: 'delete',
        table: WEBHOOKS_TABLE,
        key: { account_id: webhook.accountId, webhook_id: webhook.id },
      },
      { kind: 'delete', table: WEBHOOK_INDEX_TABLE, key: { webhook_id: webhook.id } },
    ]);
  }

  /**
   * A compare-and-set lost to a concurrent change is re-read at most this many times; each lost
   * round means a newer holder or a finished delivery, so the next read settles it.
   */
  private static readonly CLAIM_ROUNDS_MAX = 3;

  async claimDelivery(
    key: DeliveryMarkerKey,
    fencingToken: bigint,
    round = 1,
  ): Promise<ClaimOutcome> {
    const markerKey = { delivery_key: key.deliveryKey, target_id: key.targetId };
    const inserted = await this.store.insertIfNotExists(DELIVERY_MARKERS_TABLE, {
      ...markerKey,
      state: 'claimed',
      fencing_token: fencingToken,
      updated_at: this.now(),
    });
    if (inserted.applied) {
      return { kind: 'claimed' };
    }
    const current = inserted.current ?? (await this.store.get(DELIVERY_MARKERS_TABLE, markerKey));
    if (current === undefined) {
      // Deleted between the insert and the read: markers are never deleted, so this is a bug.
      throw new PlatformError('conflict.delivery_marker_vanished', 'delivery marker vanished', {
        retryable: true,
      });
    }
    const state = text(current, 'state');
    if (FINISHED_STATES.has(state)) {
      return { kind: 'finished', state: state as Exclude<DeliveryMarkerState, 'claimed'> };
    }
    const holderToken = current['fencing_token'];
    if (typeof holderToken !== 'bigint' || holderToken >= fencingToken) {
      return { kind: 'fenced_out' };
    }
    // An earlier holder claimed it and never finished (crash or lost lease): take it over.
    const taken = await this.store.updateIf(
      DELIVERY_MARKERS_TABLE,
      markerKey,
      { fencing_token: fencingToken, updated_at: this.now() },
      { state: 'claimed', fencing_token: holderToken },
    );
    if (taken.applied) {
      return { kind: 'claimed' };
    }
    if (round >= StoreNotificationStore.CLAIM_ROUNDS_MAX) {
      return { kind: 'fenced_out' };
    }
    return this.claimDelivery(key, fencingToken, round + 1);
  }

  async finishDelivery(
    key: DeliveryMarkerKey,
    fencingToken: bigint,
    state: Exclude<DeliveryMarkerState, 'claimed'>,
  ): Promise<boolean> {
    const result = await this.store.updateIf(
      DELIVERY_MARKERS_TABLE,
      { delivery_key: key.deliveryKey, target_id: key.targetId },
      { state, updated_at: this.now() },
      { state: 'claimed', fencing_token: fencingToken },
    );
    return result.applied;
  }
}
