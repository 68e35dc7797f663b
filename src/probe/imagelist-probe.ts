// `fedstack probe imagelist` (eu.egi.cloud.AppDB-Update): a VO image list fetched, its signature
// verified, and fresh: created no longer ago than -w/-c hours, and not expired.
import { readFileSync } from 'node:fs';
import { describeError } from '../errors.js';
import { parseImageList } from '../formats/imagelist/index.js';
import { parseSmime, parseTrustedCas, verifySmime } from '../formats/smime/index.js';
import { httpRequest, loadCaCertificates } from '../http/index.js';
import { thresholdStatus, type ProbeResult } from './plugin-output.js';
import { StepLog } from './probe-context.js';

/** Options of {@link imageListProbe}. */
export interface ImageListProbeOptions {
  /** The list's URL, e.g. the hub's `/store/vo/{vo}/image.list`. */
  readonly url: string;
  /** CA directory (hashed `*.0`) or bundle the signer must chain to; without it the signature is not checked. */
  readonly caDir?: string;
  /** A token for lists that need one (sent as `Authorization: Bearer`). */
  readonly tokenFile?: string;
  /** Hours since `dc:date:created` after which the result is WARNING, and CRITICAL (0: off). */
  readonly warning: number;
  readonly critical: number;
  /** Time limit of the request, s. */
  readonly timeout: number;
}

const unknown = (summary: string): ProbeResult => ({ status: 'UNKNOWN', summary });

/** The probe. `now` is for tests. */
export async function imageListProbe(options: ImageListProbeOptions, now = Date.now()): Promise<ProbeResult> {
  const log = new StepLog();
  let token: string | undefined;
  let cas: ReturnType<typeof parseTrustedCas> | undefined;
  try {
    if (options.tokenFile) token = readFileSync(options.tokenFile, 'utf8').split('\n')[0]!.trim();
    if (options.caDir)
      cas = parseTrustedCas(
        loadCaCertificates(options.caDir).map((text, i) => ({ name: `ca-${i}.pem`, text })),
      );
  } catch (error) {
    return unknown(describeError(error));
  }
  const fail = (summary: string): ProbeResult => ({
    status: 'CRITICAL',
    summary,
    perfdata: log.perfdata,
    steps: log.steps,
  });
  let text: string;
  try {
    text = await log.step(
      'fetch',
      async () => {
        const res = await httpRequest(
          {
            method: 'GET',
            url: options.url,
            headers: {
              accept: 'application/pkcs7-mime, application/json',
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            deadlineAtMs: Date.now() + options.timeout * 1000,
          },
          { timeoutMs: options.timeout * 1000, logName: 'image list' },
        );
        return res.text();
      },
      (t) => `${t.length} bytes`,
    );
  } catch (error) {
    return fail(`the image list cannot be fetched: ${describeError(error)}`);
  }
  let json: string;
  let signer = 'signature not checked';
  const isSigned = !text.trimStart().startsWith('{');
  try {
    if (!isSigned) {
      if (cas) return fail('the image list is not signed');
      json = text;
    } else if (cas) {
      const verified = await log.step(
        'verify',
        () => verifySmime(text, options.url, { trustedCas: cas, now: new Date(now) }),
        (v) => (v.kind === 'verified' ? `signed by ${v.signer.subject.slash}` : v.message),
      );
      if (verified.kind === 'rejected')
        return fail(`the image list's signature is refused: ${verified.message}`);
      json = verified.text;
      signer = `signed by ${verified.signer.subject.slash}`;
    } else {
      json = parseSmime(text, options.url).text;
    }
  } catch (error) {
    return fail(`the image list cannot be read: ${describeError(error)}`);
  }
  let list;
  try {
    list = parseImageList(json, { source: options.url, now: new Date(now) }).list;
  } catch (error) {
    return fail(`the image list cannot be read: ${describeError(error)}`);
  }
  if (list.expiresAt.getTime() <= now)
    return fail(`the image list expired at ${list.expiresAt.toISOString()}`);
  if (!list.createdAt) return fail('the image list has no dc:date:created');
  const hours = (now - list.createdAt.getTime()) / 3_600_000;
  const status = thresholdStatus(hours, options.warning, options.critical);
  const about = `image list ${list.id}${list.version ? ` version ${list.version}` : ''} (${list.images.length} images, ${signer}) created ${Math.round(hours * 10) / 10} h ago`;
  return { status, summary: about, perfdata: { ...log.perfdata, age: hours * 3600 }, steps: log.steps };
}
