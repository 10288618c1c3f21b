import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';

import {
  createEventBus,
  type CreateEventBusOptions,
  type EventBusConfig,
} from './create-event-bus';
import { EVENT_BUS, type EventBus } from './event-bus.port';

@Injectable()
class EventBusShutdown implements OnApplicationShutdown {
  constructor(@Inject(EVENT_BUS) private readonly bus: EventBus) {}

  /** Drains every subscription (handlers finish, offsets are committed) before the process ends. */
  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

/**
 * Provides `EVENT_BUS` (the EventBus port) to the whole application, built by `createEventBus`
 * from the configuration the app's config.ts loaded. The bus is closed, draining its
 * subscriptions, when the application closes (`app.close()` or shutdown hooks).
 */
@Module({})
export class EventBusModule {
  static forRoot(
    loadConfig: () => EventBusConfig,
    options: CreateEventBusOptions = {},
  ): DynamicModule {
    return {
      module: EventBusModule,
      global: true,
      providers: [
        { provide: EVENT_BUS, useFactory: () => createEventBus(loadConfig(), options) },
        EventBusShutdown,
      ],
      exports: [EVENT_BUS],
    };
  }
}
