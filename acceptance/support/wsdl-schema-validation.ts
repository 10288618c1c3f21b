import { spawn } from 'node:child_process';

/** Debian's interpreter, which has python3-lxml (TOOLCHAIN.md: the python3 on PATH may not). */
const PYTHON = '/usr/bin/python3';
const VALIDATION_TIMEOUT_MS = 30_000;

/** Result per reply: the body's first child's tag, whether it is valid, and lxml's errors. */
export type SchemaVerdicts = Record<string, { tag: string; valid: boolean; errors: string }>;

// Takes the xs:schema out of the WSDL as served and validates each reply's body element with it.
const VALIDATE_SCRIPT = `
import json, sys
from lxml import etree
request = json.load(sys.stdin)
wsdl = etree.fromstring(request['wsdl'].encode('utf-8'))
schema_element = wsdl.find('{http://schemas.xmlsoap.org/wsdl/}types/{http://www.w3.org/2001/XMLSchema}schema')
schema = etree.XMLSchema(schema_element)
out = {}
for name, xml in request['replies'].items():
    body = etree.fromstring(xml.encode('utf-8')).find('{http://schemas.xmlsoap.org/soap/envelope/}Body')
    response = body[0]
    valid = schema.validate(response)
    out[name] = {'tag': response.tag, 'valid': bool(valid), 'errors': str(schema.error_log)}
print(json.dumps(out))
`;

/**
 * Validates SOAP reply bodies against the schema embedded in `wsdl` with lxml, a stack we did
 * not write. Rejects if python or lxml is missing, so the check can never pass silently.
 */
export function validateRepliesAgainstWsdl(
  wsdl: string,
  replies: Readonly<Record<string, string>>,
): Promise<SchemaVerdicts> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', VALIDATE_SCRIPT], {
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: VALIDATION_TIMEOUT_MS,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(
          new Error(
            `lxml validation exited ${String(code)}: ${Buffer.concat(stderr).toString('utf8')}`,
          ),
        );
        return;
      }
      resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')) as SchemaVerdicts);
    });
    child.stdin.end(JSON.stringify({ wsdl, replies }));
  });
}
