import { readFileSync } from 'node:fs';

import { z } from 'zod';

import {
  envBoolean,
  envEnum,
  envInteger,
  envList,
  envMilliseconds,
  envString,
  type EnvRecord,
  loadConfigSections,
} from '@corebank/platform-config';
import { eventBusConfigSchema } from '@corebank/platform-event-bus';
import { authConfigSchema } from '@corebank/platform-auth';
import { idsConfigSchema } from '@corebank/platform-ids';
import { observabilityConfigSchema } from '@corebank/platform-observability';
import type { LocksConfig } from '@corebank/platform-locks';
import { storeConfigSchema } from '@corebank/platform-storage';

import type { ApnsSettings } from './adapters/apns-provider';
import type { FcmSettings } from './adapters/fcm-provider';
import type { WebPushSettings } from './adapters/web-push-provider';

/** Apple: a provider token lives at most 60 minutes and may be refreshed at most every 20. */
const APNS_TOKEN_REFRESH_MIN_MS = 20 * 60_000;
const APNS_TOKEN_REFRESH_MAX_MS = 59 * 60_000;

function readTextFile(path: string, context: z.RefinementCtx, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    context.addIssue({
      code: z.ZodIssueCode.custom,
      path: [variable],
      message: `cannot read ${path}: ${String(error)}`,
    });
    return z.NEVER;
  }
}

/**
 * Delivery rules and HTTP; customers' bearer tokens are the `auth` section (AUTH_JWT_*,
 * @corebank/platform-auth), shared with every customer-facing API. Secrets and endpoints
 * have no defaults (STYLE §7).
 */
export const notificationsConfigSchema = z.object({
  NOTIFICATIONS_HTTP_HOST: envString({ default: '0.0.0.0' }),
  /** 0 picks a free port (tests); bootstrap reports the bound one. */
  NOTIFICATIONS_HTTP_PORT: envInteger({ default: 8086, min: 0, max: 65_535 }),
  NOTIFICATIONS_GROUP_ID: envString({ default: 'notifications' }),
  NOTIFICATION_TTL_MS: envMilliseconds({ default: 60_000, min: 1, max: 86_400_000 }),
  NOTIFICATIONS_PUSH_ATTEMPTS_MAX: envInteger({ default: 5, min: 1, max: 20 }),
  NOTIFICATIONS_WEBHOOK_ATTEMPTS_MAX: envInteger({ default: 5, min: 1, max: 20 }),
  NOTIFICATIONS_BACKOFF_INITIAL_MS: envMilliseconds({ default: 200, min: 1, max: 60_000 }),
  NOTIFICATIONS_BACKOFF_MAX_MS: envMilliseconds({ default: 5_000, min: 1, max: 600_000 }),
  NOTIFICATIONS_LOCK_TTL_MS: envMilliseconds({ default: 10_000, min: 100, max: 600_000 }),
  NOTIFICATIONS_LOCK_WAIT_TIMEOUT_MS: envMilliseconds({ default: 30_000, min: 1, max: 600_000 }),
  /** Deliveries of one bus event (bus retry policy) before it goes to the dead-letter topic. */
  NOTIFICATIONS_DELIVERY_ATTEMPTS_MAX: envInteger({ default: 10, min: 1, max: 50 }),
  NOTIFICATIONS_PROVIDER_TIMEOUT_MS: envMilliseconds({ default: 5_000, min: 1, max: 60_000 }),
  /** Production takes only https webhook URLs; local test receivers speak plain http. */
  NOTIFICATIONS_WEBHOOK_HTTP_ALLOWED: envBoolean({ default: false }),
  NOTIFICATIONS_REQUEST_BODY_BYTES_MAX: envInteger({ default: 16_384, min: 1_024, max: 1_048_576 }),
});

/** APNs is on when APNS_ORIGIN is set; then the key, ids and topic are required. */
export const apnsSectionSchema = z
  .object({
    APNS_ORIGIN: envString().optional(),
    APNS_KEY_PATH: envString().optional(),
    APNS_KEY_ID: envString().optional(),
    APNS_TEAM_ID: envString().optional(),
    APNS_TOPIC: envString().optional(),
    APNS_CA_PATH: envString().optional(),
    APNS_TOKEN_REFRESH_AFTER_MS: envMilliseconds({
      default: 50 * 60_000,
      min: APNS_TOKEN_REFRESH_MIN_MS,
      max: APNS_TOKEN_REFRESH_MAX_MS,
    }),
    NOTIFICATIONS_PROVIDER_TIMEOUT_MS: envMilliseconds({ default: 5_000, min: 1, max: 60_000 }),
  })
  .transform((env, context): ApnsSettings | undefined => {
    if (env.APNS_ORIGIN === undefined) {
      return undefined;
    }
    const {
      APNS_KEY_PATH: keyPath,
      APNS_KEY_ID: keyId,
      APNS_TEAM_ID: teamId,
      APNS_TOPIC: topic,
    } = env;
    if (
      keyPath === undefined ||
      keyId === undefined ||
      teamId === undefined ||
      topic === undefined
    ) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['APNS_KEY_PATH'],
        message:
          'APNS_KEY_PATH, APNS_KEY_ID, APNS_TEAM_ID and APNS_TOPIC are required with APNS_ORIGIN',
      });
      return z.NEVER;
    }
    const settings: ApnsSettings = {
      origin: env.APNS_ORIGIN,
      signingKeyPem: readTextFile(keyPath, context, 'APNS_KEY_PATH'),
      keyId,
      teamId,
      topic,
      tokenRefreshAfterMs: env.APNS_TOKEN_REFRESH_AFTER_MS,
      requestTimeoutMs: env.NOTIFICATIONS_PROVIDER_TIMEOUT_MS,
    };
    return env.APNS_CA_PATH === undefined
      ? settings
      : { ...settings, caPem: readTextFile(env.APNS_CA_PATH, context, 'APNS_CA_PATH') };
  });

const serviceAccountFileSchema = z.object({
  project_id: z.string().min(1),
  client_email: z.string().email(),
  private_key: z.string().min(64),
  token_uri: z.string().url().optional(),
});

/** FCM is on when FCM_SERVICE_ACCOUNT_PATH names a service-account JSON key file. */
export const fcmSectionSchema = z
  .object({
    FCM_SERVICE_ACCOUNT_PATH: envString().optional(),
    FCM_TOKEN_URL: envString().optional(),
    FCM_API_ORIGIN: envString({ default: 'https://fcm.googleapis.com' }),
    NOTIFICATIONS_PROVIDER_TIMEOUT_MS: envMilliseconds({ default: 5_000, min: 1, max: 60_000 }),
  })
  .transform((env, context): FcmSettings | undefined => {
    if (env.FCM_SERVICE_ACCOUNT_PATH === undefined) {
      return undefined;
    }
    const text = readTextFile(env.FCM_SERVICE_ACCOUNT_PATH, context, 'FCM_SERVICE_ACCOUNT_PATH');
    let parsed: z.SafeParseReturnType<unknown, z.infer<typeof serviceAccountFileSchema>>;
    try {
      parsed = serviceAccountFileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = serviceAccountFileSchema.safeParse(undefined);
    }
    if (!parsed.success) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['FCM_SERVICE_ACCOUNT_PATH'],
        message: 'not a service-account JSON key (project_id, client_email, private_key)',
      });
      return z.NEVER;
    }
    const tokenUrl = env.FCM_TOKEN_URL ?? parsed.data.token_uri;
    if (tokenUrl === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['FCM_TOKEN_URL'],
        message: 'required when the key file has no token_uri',
      });
      return z.NEVER;
    }
    return {
      serviceAccount: {
        projectId: parsed.data.project_id,
        clientEmail: parsed.data.client_email,
        privateKeyPem: parsed.data.private_key,
      },
      tokenUrl,
      apiOrigin: env.FCM_API_ORIGIN,
      requestTimeoutMs: env.NOTIFICATIONS_PROVIDER_TIMEOUT_MS,
    };
  });

/** Web Push is on when the VAPID key pair is set. */
const webPushSectionSchema = z
  .object({
    WEB_PUSH_SUBJECT: envString().optional(),
    WEB_PUSH_VAPID_PUBLIC_KEY: envString().optional(),
    WEB_PUSH_VAPID_PRIVATE_KEY: envString().optional(),
    WEB_PUSH_CA_PATH: envString().optional(),
    NOTIFICATIONS_PROVIDER_TIMEOUT_MS: envMilliseconds({ default: 5_000, min: 1, max: 60_000 }),
  })
  .transform((env, context): WebPushSettings | undefined => {
    const { WEB_PUSH_SUBJECT: subject, WEB_PUSH_VAPID_PUBLIC_KEY: publicKey } = env;
    const privateKey = env.WEB_PUSH_VAPID_PRIVATE_KEY;
    if (subject === undefined && publicKey === undefined && privateKey === undefined) {
      return undefined;
    }
    if (subject === undefined || publicKey === undefined || privateKey === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['WEB_PUSH_SUBJECT'],
        message: 'WEB_PUSH_SUBJECT and both VAPID keys go together',
      });
      return z.NEVER;
    }
    const settings: WebPushSettings = {
      subject,
      vapidPublicKey: publicKey,
      vapidPrivateKey: privateKey,
      requestTimeoutMs: env.NOTIFICATIONS_PROVIDER_TIMEOUT_MS,
    };
    return env.WEB_PUSH_CA_PATH === undefined
      ? settings
      : { ...settings, caPem: readTextFile(env.WEB_PUSH_CA_PATH, context, 'WEB_PUSH_CA_PATH') };
  });

/** In-process locks unless LOCKS_ENGINE=etcd (then ETCD_ENDPOINTS is required). */
const locksSectionSchema = z
  .object({
    LOCKS_ENGINE: envEnum(['in-process', 'etcd'], { default: 'in-process' }),
    ETCD_ENDPOINTS: envList(z.string().url()).optional(),
    LOCKS_ETCD_PREFIX: envString({ default: 'corebank/locks/notifications' }),
  })
  .transform((env, context): LocksConfig => {
    if (env.LOCKS_ENGINE === 'in-process') {
      return { engine: 'in-process' };
    }
    if (env.ETCD_ENDPOINTS === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['ETCD_ENDPOINTS'],
        message: 'required when LOCKS_ENGINE=etcd',
      });
      return z.NEVER;
    }
    return { engine: 'etcd', endpoints: [...env.ETCD_ENDPOINTS], prefix: env.LOCKS_ETCD_PREFIX };
  });

/** The bus: embedded (SQLite log) unless KAFKA_BROKERS is set; see @corebank/platform-event-bus. */
const busSectionSchema = eventBusConfigSchema({ clientId: 'notifications' });

type LoadedNotificationsConfig = ReturnType<typeof loadNotificationsConfig>;

/**
 * What bootstrap takes. `observability` (LOG_LEVEL, OTEL_*, TRACE_RECORDER_*) is optional so a
 * host that writes the sections out by hand (the bank) gets the lib's defaults without naming it.
 */
export type NotificationsConfig = Omit<LoadedNotificationsConfig, 'observability'> & {
  readonly observability?: LoadedNotificationsConfig['observability'];
};

export const NOTIFICATIONS_CONFIG = Symbol('NOTIFICATIONS_CONFIG');

export function loadNotificationsConfig(env: EnvRecord = process.env) {
  return loadConfigSections(
    {
      notifications: notificationsConfigSchema,
      auth: authConfigSchema,
      apns: apnsSectionSchema,
      fcm: fcmSectionSchema,
      webPush: webPushSectionSchema,
      locks: locksSectionSchema,
      store: storeConfigSchema({ sqlitePath: 'data/notifications.db' }),
      ids: idsConfigSchema,
      bus: busSectionSchema,
      observability: observabilityConfigSchema,
    },
    env,
  );
}
