// Progress of long transfers: byte-counting stream wrappers that keep back-pressure.

/** How far one transfer has come. */
export interface HttpProgress {
  readonly direction: 'upload' | 'download';
  readonly doneBytes: number;
  /** From the body's known size or `Content-Length`; undefined when unknown. */
  readonly totalBytes: number | undefined;
}

/** Called as bytes go out or come in; must not throw (a throw fails the transfer). */
export type HttpProgressListener = (progress: HttpProgress) => void;

/**
 * `source` passed through unchanged, calling `onBytes` with the running total after each chunk.
 * Chunks are read only when the consumer asks for one (high-water mark 0), so a slow consumer
 * slows the producer instead of filling memory; cancelling the result cancels `source`.
 */
export function countBytes(
  source: ReadableStream<Uint8Array>,
  onBytes: (doneBytes: number) => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let doneBytes = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        doneBytes += value.byteLength;
        controller.enqueue(value);
        onBytes(doneBytes);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** `Content-Length` as a number, or undefined when absent or malformed. */
export function contentLengthOf(headers: Headers): number | undefined {
  const value = headers.get('content-length');
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
