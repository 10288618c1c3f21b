import { randomBytes } from 'node:crypto';

import type { Clock } from '@corebank/platform-clock';
import type { IdGenerator } from '@corebank/platform-ids';

import {
  DEVICES_PER_CUSTOMER_MAX,
  WEBHOOKS_PER_ACCOUNT_MAX,
} from '../../adapters/store-notification-store';
import type {
  Device,
  DeviceTarget,
  NotificationStore,
  Webhook,
} from '../../ports/notification-store.port';

/** Who is calling, from a verified bearer token. */
export interface Customer {
  readonly customerId: string;
  readonly accountIds: readonly string[];
}

export type RegisterDeviceResult =
  | { readonly kind: 'registered'; readonly device: Device }
  | { readonly kind: 'limit_reached'; readonly limit: number };

export type RegisterWebhookResult =
  | { readonly kind: 'registered'; readonly webhook: Webhook }
  | { readonly kind: 'not_found' }
  | { readonly kind: 'limit_reached'; readonly limit: number };

/** HMAC keys are 32 random bytes, as Stripe's `whsec_` secrets are. */
const WEBHOOK_SECRET_BYTES = 32;

/**
 * Devices and webhooks a customer registers. Another customer's ids answer `not_found`, exactly
 * like ids that do not exist, so ids cannot be probed. Errors: the store's retryable
 * PlatformErrors pass through.
 */
export class ManageRegistrationsUseCase {
  constructor(
    private readonly store: NotificationStore,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async registerDevice(customer: Customer, target: DeviceTarget): Promise<RegisterDeviceResult> {
    const existing = await this.store.devicesOfCustomer(customer.customerId);
    const same = existing.find(
      (device) =>
        device.customerId === customer.customerId &&
        JSON.stringify(device.target) === JSON.stringify(target),
    );
    if (same !== undefined) {
      // Apps re-register their token at every launch: that is the same device, not a new one.
      await this.store.saveDevice(same, customer.accountIds);
      return { kind: 'registered', device: same };
    }
    if (existing.length >= DEVICES_PER_CUSTOMER_MAX) {
      return { kind: 'limit_reached', limit: DEVICES_PER_CUSTOMER_MAX };
    }
    const device: Device = {
      id: `device_${this.ids.nextId()}`,
      customerId: customer.customerId,
      target,
      createdAt: this.clock.now(),
    };
    await this.store.saveDevice(device, customer.accountIds);
    return { kind: 'registered', device };
  }

  async removeDevice(customer: Customer, deviceId: string): Promise<'removed' | 'not_found'> {
    const device = await this.store.findDevice(deviceId);
    if (device?.customerId !== customer.customerId) {
      return 'not_found';
    }
    await this.store.removeDevice(device);
    return 'removed';
  }

  async registerWebhook(
    customer: Customer,
    accountId: string,
    url: string,
  ): Promise<RegisterWebhookResult> {
    if (!customer.accountIds.includes(accountId)) {
      return { kind: 'not_found' };
    }
    const existing = await this.store.webhooksOfAccount(accountId);
    if (existing.length >= WEBHOOKS_PER_ACCOUNT_MAX) {
      return { kind: 'limit_reached', limit: WEBHOOKS_PER_ACCOUNT_MAX };
    }
    const webhook: Webhook = {
      id: `webhook_${this.ids.nextId()}`,
      accountId,
      url,
      secret: `whsec_${randomBytes(WEBHOOK_SECRET_BYTES).toString('base64url')}`,
      createdAt: this.clock.now(),
    };
    await this.store.saveWebhook(webhook);
    return { kind: 'registered', webhook };
  }

  async listWebhooks(
    customer: Customer,
    accountId: string,
  ): Promise<readonly Webhook[] | 'not_found'> {
    if (!customer.accountIds.includes(accountId)) {
      return 'not_found';
    }
    return this.store.webhooksOfAccount(accountId);
  }

  async removeWebhook(customer: Customer, webhookId: string): Promise<'removed' | 'not_found'> {
    const webhook = await this.store.findWebhook(webhookId);
    if (webhook === undefined || !customer.accountIds.includes(webhook.accountId)) {
      return 'not_found';
    }
    await this.store.removeWebhook(webhook);
    return 'removed';
  }
}
