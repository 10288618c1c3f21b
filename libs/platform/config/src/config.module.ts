import { Module, type DynamicModule } from '@nestjs/common';

/**
 * A DI token that remembers the type of the configuration behind it, so `forRoot(token, loader)`
 * refuses a loader of the wrong shape. At run time it is a plain Symbol, usable with `@Inject`.
 */
export type ConfigToken<T> = symbol & { readonly __configType?: T };

export function configToken<T>(description: string): ConfigToken<T> {
  return Symbol(description);
}

/**
 * Exposes one validated configuration object under `token` to the whole application. The loader
 * runs once, when Nest builds the module graph, so a bad environment stops the boot there.
 */
@Module({})
export class ConfigModule {
  static forRoot<T>(token: ConfigToken<T>, loader: () => T): DynamicModule {
    return {
      module: ConfigModule,
      global: true,
      providers: [{ provide: token, useFactory: loader }],
      exports: [token],
    };
  }
}
