import { PlatformError } from '@corebank/platform-errors';

import type {
  DeliveryOutcome,
  DeliveryProvider,
  DeliveryRequest,
} from '../ports/delivery-provider.port';
import type { ApnsProvider } from './apns-provider';
import type { FcmProvider } from './fcm-provider';
import type { WebhookSender } from './webhook-sender';
import type { WebPushProvider } from './web-push-provider';

/** Each push provider is optional (an environment may not use FCM); webhooks always work. */
export interface ConfiguredProviders {
  readonly apns?: ApnsProvider;
  readonly fcm?: FcmProvider;
  readonly webPush?: WebPushProvider;
  readonly webhooks: WebhookSender;
}

function notConfigured(provider: string): PlatformError {
  return new PlatformError('invalid.provider_config', `${provider} is not configured`, {
    retryable: false,
  });
}

/** The DeliveryProvider port over all four adapters, chosen by the target's kind. */
export class RoutingDeliveryProvider implements DeliveryProvider {
  constructor(private readonly providers: ConfiguredProviders) {}

  deliver(request: DeliveryRequest): Promise<DeliveryOutcome> {
    if (request.channel === 'webhook') {
      return this.providers.webhooks.send(request.url, request.secret, request.message);
    }
    const target = request.target;
    switch (target.kind) {
      case 'apns': {
        if (this.providers.apns === undefined) {
          throw notConfigured('APNs');
        }
        return this.providers.apns.send(target.token, request.notification);
      }
      case 'fcm': {
        if (this.providers.fcm === undefined) {
          throw notConfigured('FCM');
        }
        return this.providers.fcm.send(target.token, request.notification);
      }
      case 'web_push': {
        if (this.providers.webPush === undefined) {
          throw notConfigured('Web Push');
        }
        return this.providers.webPush.send(target.subscription, request.notification);
      }
    }
  }

  close(): void {
    this.providers.apns?.close();
  }
}
