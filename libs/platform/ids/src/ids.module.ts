import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';

import type { IdsConfig } from './config';
import {
  createIdGenerator,
  type IdGeneratorDependencies,
  type IdGeneratorRuntime,
} from './create-id-generator';
import { ID_GENERATOR } from './id-generator.port';

/** The runtime behind ID_GENERATOR: its `workerLease.lost` signal feeds readiness checks. */
export const ID_GENERATOR_RUNTIME = Symbol('ID_GENERATOR_RUNTIME');

@Injectable()
class IdGeneratorShutdown implements OnApplicationShutdown {
  constructor(@Inject(ID_GENERATOR_RUNTIME) private readonly runtime: IdGeneratorRuntime) {}

  /** Gives the worker id back on shutdown, so the next process can have it at once. */
  async onApplicationShutdown(): Promise<void> {
    await this.runtime.close();
  }
}

/**
 * Provides `ID_GENERATOR` (the IdGenerator port) to the whole application. The worker id is
 * claimed while Nest builds the module graph, so a boot without one fails there; it is released
 * when the application closes (`app.close()` or shutdown hooks).
 */
@Module({})
export class IdsModule {
  static forRoot(
    loadConfig: () => IdsConfig,
    dependencies: IdGeneratorDependencies = {},
  ): DynamicModule {
    return {
      module: IdsModule,
      global: true,
      providers: [
        {
          provide: ID_GENERATOR_RUNTIME,
          useFactory: () => createIdGenerator(loadConfig(), dependencies),
        },
        {
          provide: ID_GENERATOR,
          useFactory: (runtime: IdGeneratorRuntime) => runtime.generator,
          inject: [ID_GENERATOR_RUNTIME],
        },
        IdGeneratorShutdown,
      ],
      exports: [ID_GENERATOR, ID_GENERATOR_RUNTIME],
    };
  }
}
