/**
 * Micro-benchmark (not a test): time per descriptor for the precompiled directory index, for the
 * whole enrichMerchant call, and for the naive alternative (one precompiled regex per pattern,
 * scanned linearly) so the index's advantage is measured rather than assumed. Run from the repo
 * root as the README shows; numbers depend on the machine and its load.
 */
import { enrichMerchant } from './enrich-merchant';
import { MERCHANT_DIRECTORY } from './merchant-directory';

const SAMPLE_DESCRIPTORS = [
  'TFL.GOV.UK/CP',
  'PRET A MANGER (KINGS X)',
  'AMAZON.CO.UK*AB12C3DE4',
  'AMZN MKTP UK',
  'SAINSBURYS S/MKTS',
  'TESCO STORES 2345',
  'UBER *TRIP',
  'SPOTIFY P0A1B2C3',
  'GOOGLE *YouTube',
  'COSTA COFFEE 43012',
  'PAYPAL *NETFLIX',
  'SQ *JOES CAFE',
  'SUMUP *THE OLD RED LION 0123',
  'THE BLUE POSTS 12',
  'BRIXTON CYCLES*ORDER 5512',
  'KWIK FIT 0091 (SLOUGH)',
];
const ITERATIONS = 200_000;
const WARMUP_ITERATIONS = 20_000;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const linearPatterns = MERCHANT_DIRECTORY.entries.flatMap((entry) =>
  entry.patterns.map((pattern) => ({
    slug: entry.slug,
    length: pattern.length,
    regex: new RegExp(`^${escapeRegExp(pattern)}(?![A-Z0-9])`, 'i'),
  })),
);

function linearScan(descriptor: string): string | undefined {
  let best: { slug: string; length: number } | undefined;
  for (const candidate of linearPatterns) {
    if (
      candidate.regex.test(descriptor) &&
      (best === undefined || candidate.length > best.length)
    ) {
      best = candidate;
    }
  }
  return best?.slug;
}

function nanosecondsPerCall(label: string, call: (descriptor: string) => unknown): void {
  for (let index = 0; index < WARMUP_ITERATIONS; index += 1) {
    call(SAMPLE_DESCRIPTORS[index % SAMPLE_DESCRIPTORS.length]);
  }
  // CPU time of this process as well as wall time: on a shared, loaded machine wall time mostly
  // measures waiting for a core.
  const cpuAtStart = process.cpuUsage();
  const startedAt = performance.now();
  for (let index = 0; index < ITERATIONS; index += 1) {
    call(SAMPLE_DESCRIPTORS[index % SAMPLE_DESCRIPTORS.length]);
  }
  const wallNs = ((performance.now() - startedAt) * 1e6) / ITERATIONS;
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuNs = ((cpu.user + cpu.system) * 1e3) / ITERATIONS;
  console.log(
    `${label.padEnd(34)} ${cpuNs.toFixed(0).padStart(7)} ns CPU/call ${wallNs.toFixed(0).padStart(7)} ns wall/call`,
  );
}

const patternCount = linearPatterns.length;
console.log(`${MERCHANT_DIRECTORY.entries.length} entries, ${patternCount} patterns`);
nanosecondsPerCall('index matchDescriptor', (descriptor) =>
  MERCHANT_DIRECTORY.matchDescriptor(descriptor),
);
nanosecondsPerCall('enrichMerchant (match or clean)', (descriptor) =>
  enrichMerchant(
    { name: descriptor, city: 'LONDON', mcc: '5812' },
    { logoBaseUrl: 'https://cdn.test/logos' },
  ),
);
nanosecondsPerCall('linear regex scan (baseline)', linearScan);
