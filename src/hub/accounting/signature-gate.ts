// The S/MIME gate of accounting messages at publish time: encrypted messages decrypted with the
// hub's key, then (by mode) the signature verified against the trusted CAs and the signer required
// to be a registered accounting host (HOSTDN) of the publishing token's site.
import type * as pkijs from 'pkijs';
import { describeError } from '../../errors.js';
import {
  decryptSmime,
  isEnvelopedSmime,
  verifySmime,
  type SmimeRecipient,
} from '../../formats/smime/index.js';
import type { Logger } from '../../log.js';
import type { HubCaller } from '../auth/hub-token.js';
import { AmsError } from '../messaging/ams-error.js';
import { ACCOUNTING_SERVICE_TYPE, type Registry } from '../registry/index.js';
import type { IngestSource } from './ingest-consumer.js';

/** `off`: not checked; `warn`: logged; `enforce`: the publish is refused (AMS 403, with the reasons). */
export type SignatureMode = 'off' | 'warn' | 'enforce';
export const SIGNATURE_MODES: readonly SignatureMode[] = ['off', 'warn', 'enforce'];

/** Options of {@link SignatureGate}. */
export interface SignatureGateOptions {
  readonly mode: SignatureMode;
  /** The hub's certificate and key: enveloped (encrypted) messages are decrypted before they are stored. */
  readonly decryption?: SmimeRecipient;
  /** The CAs a signer's certificate must chain to (`parseTrustedCas` of a CA directory). */
  readonly trustedCas: readonly pkijs.Certificate[];
  readonly registry: Registry;
  /** The accounting topics; messages to other topics pass unchecked. */
  readonly sources: readonly IngestSource[];
  readonly logger: Logger;
  readonly clock: () => number;
}

/** ssmsend's signed form: a MIME header block naming multipart/signed, at the start of the text. */
function isMultipartSigned(text: string): boolean {
  const head = text.slice(0, 4096);
  const end = head.search(/\r?\n\r?\n/);
  return end > 0 && /^content-type:\s*multipart\/signed/im.test(head.slice(0, end));
}

/** Checks the messages of a publish to an accounting topic. */
export class SignatureGate {
  private readonly o: SignatureGateOptions;

  constructor(options: SignatureGateOptions) {
    this.o = options;
  }

  /** Why message `index` does not pass, or undefined when it does. */
  private async problemOf(text: string, index: number, site: string): Promise<string | undefined> {
    if (!isMultipartSigned(text)) return `message ${index} is not S/MIME signed (multipart/signed)`;
    let result;
    try {
      result = await verifySmime(text, `message ${index}`, {
        trustedCas: this.o.trustedCas,
        now: new Date(this.o.clock()),
      });
    } catch (error) {
      return `message ${index}: ${describeError(error)}`;
    }
    if (result.kind === 'rejected') return `message ${index}: the signature is refused: ${result.message}`;
    const signer = result.signer.subject;
    if ((await this.o.registry.accountingEndpointsOf(signer.dn, site)).length > 0) return undefined;
    return `message ${index}: the signer ${signer.slash} is not the HOSTDN of a registered ${ACCOUNTING_SERVICE_TYPE} endpoint of site ${site}`;
  }

  /**
   * Passes a publish of `messages` to `project/topic` by `caller`, and returns the messages to
   * store: encrypted ones decrypted (when the hub has a key). Then, unless the mode is `off`, a
   * publisher token's messages must be signed by a registered host of its site (admin tokens,
   * which may send for any site, are not checked).
   * @throws AmsError 400 for an encrypted message that does not decrypt; 403 in `enforce` mode,
   *   naming each message refused and why.
   */
  async check<M extends { readonly data: string }>(
    project: string,
    topic: string,
    messages: readonly M[],
    caller: HubCaller,
  ): Promise<readonly M[]> {
    if (!this.o.sources.some((s) => s.project === project && s.topic === topic)) return messages;
    const texts = messages.map((m) => Buffer.from(m.data, 'base64').toString('utf8'));
    const stored = messages.map((m, i) => {
      if (!this.o.decryption || !isEnvelopedSmime(texts[i]!)) return m;
      let plain: Uint8Array;
      try {
        plain = decryptSmime(texts[i]!, `message ${i}`, this.o.decryption);
      } catch (error) {
        throw new AmsError(
          400,
          'INVALID_ARGUMENT',
          `message ${i} is encrypted and does not decrypt with the hub's key: ${describeError(error)}`,
        );
      }
      texts[i] = new TextDecoder().decode(plain);
      return { ...m, data: Buffer.from(plain).toString('base64') };
    });
    if (this.o.mode === 'off' || caller.role !== 'publisher' || caller.site === null) return stored;
    const problems: string[] = [];
    for (let i = 0; i < texts.length; i++) {
      const problem = await this.problemOf(texts[i]!, i, caller.site);
      if (problem) problems.push(problem);
    }
    if (problems.length === 0) return stored;
    if (this.o.mode === 'warn') {
      this.o.logger.warn(
        { site: caller.site, topic, problems },
        'accounting messages whose signature does not pass (accepted: warn mode)',
      );
      return stored;
    }
    throw new AmsError(403, 'FORBIDDEN', `signature check: ${problems.join('; ')}`);
  }
}
