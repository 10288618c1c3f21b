import type { Migration } from '@corebank/platform-storage';

export const DEVICES_TABLE = 'notification_devices';
export const DEVICE_INDEX_TABLE = 'notification_device_index';
export const ACCOUNT_CUSTOMERS_TABLE = 'notification_account_customers';
export const WEBHOOKS_TABLE = 'notification_webhooks';
export const WEBHOOK_INDEX_TABLE = 'notification_webhook_index';
export const DELIVERY_MARKERS_TABLE = 'notification_delivery_markers';

/**
 * Devices live in their customer's partition (delivery reads one partition per item); the index
 * tables answer "whose is this id" for DELETE. Markers are one row per (delivery, target).
 */
export const NOTIFICATIONS_MIGRATIONS: readonly Migration[] = [
  {
    id: 'notifications-0001-devices-webhooks-markers',
    description: 'devices, webhooks, account owners and delivery markers',
    createTables: [
      {
        name: DEVICES_TABLE,
        columns: {
          customer_id: 'text',
          device_id: 'text',
          target: 'json',
          created_at: 'timestamp',
        },
        partitionKey: ['customer_id'],
        clusteringKey: [{ column: 'device_id', order: 'asc' }],
      },
      {
        name: DEVICE_INDEX_TABLE,
        columns: { device_id: 'text', customer_id: 'text' },
        partitionKey: ['device_id'],
      },
      {
        name: ACCOUNT_CUSTOMERS_TABLE,
        columns: { account_id: 'text', customer_id: 'text' },
        partitionKey: ['account_id'],
      },
      {
        name: WEBHOOKS_TABLE,
        columns: {
          account_id: 'text',
          webhook_id: 'text',
          url: 'text',
          secret: 'text',
          created_at: 'timestamp',
        },
        partitionKey: ['account_id'],
        clusteringKey: [{ column: 'webhook_id', order: 'asc' }],
      },
      {
        name: WEBHOOK_INDEX_TABLE,
        columns: { webhook_id: 'text', account_id: 'text' },
        partitionKey: ['webhook_id'],
      },
      {
        name: DELIVERY_MARKERS_TABLE,
        columns: {
          delivery_key: 'text',
          target_id: 'text',
          state: 'text',
          fencing_token: 'bigint',
          updated_at: 'timestamp',
        },
        partitionKey: ['delivery_key', 'target_id'],
      },
    ],
  },
];
