import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { EngineMissingError } from '@corebank/testing-engines';

/**
 * The test proto's TypeScript is committed so the tests are type-checked against it; this test
 * regenerates it with protoc + ts-proto (the options the services use) and fails when the
 * committed copy is stale. Run with UPDATE_GENERATED=1 to rewrite it.
 */
const repositoryRoot = resolve(__dirname, '../../../..');
const protoDirectory = join(__dirname, 'proto');
const committedFile = join(__dirname, 'generated', 'probe.ts');
/** The options of tools/scripts/codegen-proto.sh, so the test service looks like the real ones. */
const TS_PROTO_OPTIONS =
  'outputServices=grpc-js,env=node,forceLong=bigint,esModuleInterop=true,useExactTypes=false,outputJsonMethods=false';

function protocBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v protoc'], { encoding: 'utf8' }).trim();
  } catch {
    throw new EngineMissingError('protoc', 'protobuf-compiler');
  }
}

describe('generated code of the test proto', () => {
  it('matches what protoc and ts-proto produce now', () => {
    const outputDirectory = mkdtempSync(join(tmpdir(), 'corebank-rpc-codegen-'));
    try {
      execFileSync(
        protocBinary(),
        [
          `-I${protoDirectory}`,
          `--plugin=protoc-gen-ts_proto=${join(repositoryRoot, 'node_modules/.bin/protoc-gen-ts_proto')}`,
          `--ts_proto_out=${outputDirectory}`,
          `--ts_proto_opt=${TS_PROTO_OPTIONS}`,
          join(protoDirectory, 'probe.proto'),
        ],
        { timeout: 30_000 },
      );
      // Prettier runs as a child process: its API loads plugins with dynamic import(), which
      // jest's CommonJS sandbox refuses. --stdin-filepath applies the repository's config.
      const regenerated = execFileSync(
        join(repositoryRoot, 'node_modules/.bin/prettier'),
        ['--stdin-filepath', committedFile],
        {
          input: readFileSync(join(outputDirectory, 'probe.ts'), 'utf8'),
          encoding: 'utf8',
          timeout: 30_000,
        },
      );

      if (process.env.UPDATE_GENERATED === '1') {
        writeFileSync(committedFile, regenerated);
      }

      expect(readFileSync(committedFile, 'utf8')).toBe(regenerated);
    } finally {
      rmSync(outputDirectory, { recursive: true, force: true });
    }
  });
});
