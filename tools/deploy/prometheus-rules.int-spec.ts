import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseYamlDocument, REPOSITORY_ROOT } from './manifests';

/**
 * The alert rules and scrape config under k8s/base/monitoring, checked by Debian's promtool
 * (prometheus 2.42): `check rules`, the rule unit tests, and `check config`.
 */

const MONITORING = join(REPOSITORY_ROOT, 'k8s', 'base', 'monitoring');
const PROMTOOL_TIMEOUT_MS = 30_000;

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, {
    cwd,
    encoding: 'utf8',
    timeout: PROMTOOL_TIMEOUT_MS,
  });
  if (result.error !== undefined) {
    throw new Error(
      `promtool ${args[0]} could not run (${result.error.message}); install Debian's prometheus package`,
    );
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('prometheus rules and scrape config', () => {
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'corebank-promtool-'));
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('passes promtool check rules', () => {
    const result = promtool(['check', 'rules', 'alert-rules.yml'], MONITORING);
    expect(result.output).toContain('SUCCESS: 7 rules found');
    expect(result.status).toBe(0);
  });

  it('passes its promtool rule unit tests (every alert fires when it should and only then)', () => {
    const result = promtool(['test', 'rules', 'alert-rules.test.yml'], MONITORING);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('rule unit tests can fail: a wrong expectation is reported', () => {
    const original = readFileSync(join(MONITORING, 'alert-rules.test.yml'), 'utf8');
    const wrong = original
      .replace('2% of processor messages', '3% of processor messages')
      .replace('- alert-rules.yml', `- ${join(MONITORING, 'alert-rules.yml')}`);
    expect(wrong).toContain('3% of processor messages');
    writeFileSync(join(scratch, 'wrong.test.yml'), wrong);
    const result = promtool(['test', 'rules', 'wrong.test.yml'], scratch);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('IssuerUnavailableDeclineRateHigh');
  });

  it('passes promtool check config once Kubernetes discovery is swapped for static targets', () => {
    // Debian builds Prometheus without Kubernetes service discovery, so promtool rejects
    // kubernetes_sd_configs; everything else (relabelling, rule files, intervals) is checked.
    const config = parseYamlDocument(readFileSync(join(MONITORING, 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; kubernetes_sd_configs?: unknown }[];
    };
    expect(config.scrape_configs.map((job) => job.job_name)).toEqual([
      'corebank-pods',
      'kafka-exporter',
    ]);
    expect(config.rule_files).toEqual(['/etc/prometheus/corebank/alert-rules.yml']);
    const checkable = {
      ...config,
      rule_files: [join(MONITORING, 'alert-rules.yml')],
      scrape_configs: config.scrape_configs.map(({ kubernetes_sd_configs: discovery, ...job }) => {
        expect(discovery).toBeDefined();
        return { ...job, static_configs: [{ targets: ['127.0.0.1:9464'] }] };
      }),
    };
    // JSON is YAML, so promtool reads it as is.
    writeFileSync(join(scratch, 'prometheus.yml'), JSON.stringify(checkable));
    const result = promtool(['check', 'config', 'prometheus.yml'], scratch);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
