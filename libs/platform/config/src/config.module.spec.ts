import { Inject, Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { z } from 'zod';

import { ConfigModule, configToken } from './config.module';
import { envInteger } from './env-schemas';
import { ConfigValidationError, loadConfig } from './load-config';

const schema = z.object({ FEED_PAGE_SIZE_MAX: envInteger({ min: 1, max: 500 }) });
type FeedConfig = ReturnType<typeof loadConfig<z.output<typeof schema>>>;
const FEED_CONFIG = configToken<FeedConfig>('FEED_CONFIG');

@Injectable()
class FeedPager {
  constructor(@Inject(FEED_CONFIG) readonly config: FeedConfig) {}
}

describe('ConfigModule.forRoot', () => {
  it('provides the loaded configuration under its token to the whole application', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(FEED_CONFIG, () => loadConfig(schema, { FEED_PAGE_SIZE_MAX: '50' })),
      ],
      providers: [FeedPager],
    }).compile();
    expect(moduleRef.get(FeedPager).config.FEED_PAGE_SIZE_MAX).toBe(50);
    await moduleRef.close();
  });

  it('stops the boot when the environment is invalid', async () => {
    const building = Test.createTestingModule({
      imports: [ConfigModule.forRoot(FEED_CONFIG, () => loadConfig(schema, {}))],
      providers: [FeedPager],
    }).compile();
    await expect(building).rejects.toThrow(ConfigValidationError);
  });
});
