import type { IncomingMessage } from 'node:http';

export type BoundedBody =
  | { readonly kind: 'body'; readonly body: Buffer }
  | { readonly kind: 'too_large' }
  | { readonly kind: 'aborted' };

/**
 * Reads a request body up to `byteCountMax`. A declared Content-Length over the limit is refused
 * before a single body byte is read; a chunked body is refused as soon as the running count
 * passes the limit, and reading stops there (the caller answers 413 and closes the connection).
 */
export async function readBoundedBody(
  request: IncomingMessage,
  byteCountMax: number,
): Promise<BoundedBody> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && (!/^\d+$/.test(declared) || Number(declared) > byteCountMax)) {
    return { kind: 'too_large' };
  }
  return new Promise<BoundedBody>((resolve) => {
    const chunks: Buffer[] = [];
    let byteCount = 0;
    const finish = (outcome: BoundedBody): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('aborted', onError);
      resolve(outcome);
    };
    const onData = (chunk: Buffer): void => {
      byteCount += chunk.length;
      if (byteCount > byteCountMax) {
        request.pause();
        finish({ kind: 'too_large' });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish({ kind: 'body', body: Buffer.concat(chunks, byteCount) });
    const onError = (): void => finish({ kind: 'aborted' });
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('aborted', onError);
  });
}
