import { generateKeyPairSync } from 'node:crypto';

import { loadNotificationsConfig } from './config';

const PUBLIC_KEY_PEM = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

const MINIMAL = {
  AUTH_JWT_PUBLIC_KEY_PEM: PUBLIC_KEY_PEM,
  ID_WORKER_SOURCE: 'config',
  ID_WORKER_ID: '1',
};

describe('notifications config', () => {
  it('fills the defaults and leaves unconfigured providers off', () => {
    const config = loadNotificationsConfig(MINIMAL);
    expect(config.notifications.NOTIFICATION_TTL_MS).toBe(60_000);
    expect(config.notifications.NOTIFICATIONS_WEBHOOK_ATTEMPTS_MAX).toBe(5);
    expect(config.notifications.NOTIFICATIONS_WEBHOOK_HTTP_ALLOWED).toBe(false);
    expect(config.apns).toBeUndefined();
    expect(config.fcm).toBeUndefined();
    expect(config.webPush).toBeUndefined();
    expect(config.locks).toEqual({ engine: 'in-process' });
    expect(config.bus).toEqual({ engine: 'embedded', path: 'data/event-bus.db' });
  });

  it('fails fast without the JWT key, with half an APNs config, or etcd locks without endpoints', () => {
    expect(() =>
      loadNotificationsConfig({ ID_WORKER_SOURCE: 'config', ID_WORKER_ID: '1' }),
    ).toThrow(/AUTH_JWT_PUBLIC_KEY_PEM/);
    expect(() =>
      loadNotificationsConfig({ ...MINIMAL, APNS_ORIGIN: 'https://api.push.apple.com' }),
    ).toThrow(/APNS_KEY_PATH/);
    expect(() => loadNotificationsConfig({ ...MINIMAL, LOCKS_ENGINE: 'etcd' })).toThrow(
      /ETCD_ENDPOINTS/,
    );
    expect(() =>
      loadNotificationsConfig({ ...MINIMAL, APNS_TOKEN_REFRESH_AFTER_MS: '60000' }),
    ).toThrow(/APNS_TOKEN_REFRESH_AFTER_MS/);
  });
});
