/** Settings of apps/authorization/scripts (measurement tools, not the service). */
const MESSAGES_MAX = 100_000;
const CONCURRENCY_MAX = 256;
const CARDS_MAX = 2_000;
const ROUNDS_MAX = 50;

/** What measure-decide-cpu.ts measures; the script's only environment reads. */
export function loadMeasureSettings(env: NodeJS.ProcessEnv = process.env) {
  return {
    messages: boundedInteger(env, 'MEASURE_MESSAGES', 2_000, MESSAGES_MAX),
    rounds: boundedInteger(env, 'MEASURE_ROUNDS', 5, ROUNDS_MAX),
    concurrency: boundedInteger(env, 'MEASURE_CONCURRENCY', 16, CONCURRENCY_MAX),
    cards: boundedInteger(env, 'MEASURE_CARDS', 50, CARDS_MAX),
    settleMs: boundedInteger(env, 'MEASURE_SETTLE_MS', 300, 10_000),
    profileDirectory: env['MEASURE_CPU_PROFILE_DIR'],
    authorizationEnv: jsonEnv(env, 'MEASURE_AUTHORIZATION_ENV'),
    ledgerEnv: jsonEnv(env, 'MEASURE_LEDGER_ENV'),
    /** The children find node's helpers (swc) on the caller's PATH. */
    path: env['PATH'] ?? '',
  };
}

function boundedInteger(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  max: number,
): number {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${name} must be an integer in 1..${max}`);
  }
  return value;
}

function jsonEnv(env: NodeJS.ProcessEnv, name: string): Record<string, string> {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return {};
  }
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null) {
    throw new Error(`${name} must be a JSON object of strings`);
  }
  return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
}
