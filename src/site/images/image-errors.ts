// The errors of image downloads and conversions: wrong content, cache I/O and space, qemu-img failures.
import { FedstackError } from '../../errors.js';
import { redactUrl } from '../../redact-url.js';

/**
 * A downloaded image does not have the size or checksum the image list declares (code
 * `IMAGE_VERIFY_FAILED`). The partial file was removed; nothing is kept for upload.
 */
export class ImageVerifyError extends FedstackError {
  /** The source URL without secrets. */
  readonly url: string;
  readonly what: 'checksum' | 'size';
  readonly expected: string;
  readonly found: string;

  constructor(url: string, what: 'checksum' | 'size', expected: string, found: string, detail = '') {
    const shown = redactUrl(url);
    super(
      'IMAGE_VERIFY_FAILED',
      `${shown}: ${what} mismatch: expected ${expected}, found ${found}${detail}; the download was discarded`,
    );
    this.url = shown;
    this.what = what;
    this.expected = expected;
    this.found = found;
  }
}

/** The image cache cannot be written or read, or has too little free space (code `IMAGE_CACHE_IO`). */
export class ImageCacheError extends FedstackError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('IMAGE_CACHE_IO', `${path}: ${message}`, options);
    this.path = path;
  }
}

/**
 * An image cannot be converted (code `IMAGE_CONVERT_FAILED`): qemu-img failed (its stderr is in
 * the message), or the file is no self-contained disk image.
 */
export class ImageConvertError extends FedstackError {
  readonly file: string;
  /** The end of qemu-img's stderr, when it ran. */
  readonly stderr: string | undefined;

  constructor(file: string, message: string, options?: { cause?: unknown; stderr?: string }) {
    const stderr = options?.stderr?.trim();
    super('IMAGE_CONVERT_FAILED', `${file}: ${message}${stderr ? `: ${stderr}` : ''}`, options);
    this.file = file;
    this.stderr = stderr;
  }
}
