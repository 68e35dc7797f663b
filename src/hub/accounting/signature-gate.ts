// The S/MIME check of accounting messages at publish time: the signature verified against the
// trusted CAs, the signer a registered accounting host (HOSTDN) of the publishing token's site.
import type * as pkijs from 'pkijs';
import { describeError } from '../../errors.js';
import { verifySmime } from '../../formats/smime/index.js';
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
  private async problemOf(data: string, index: number, site: string): Promise<string | undefined> {
    const text = Buffer.from(data, 'base64').toString('utf8');
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
   * Checks a publish of `messages` to `project/topic` by `caller`. Admin tokens pass (they may
   * send for any site); publisher tokens' messages must be signed by a registered host of their site.
   * @throws AmsError 403 in `enforce` mode, naming each message refused and why.
   */
  async check(
    project: string,
    topic: string,
    messages: readonly { readonly data: string }[],
    caller: HubCaller,
  ): Promise<void> {
    if (this.o.mode === 'off' || caller.role !== 'publisher' || caller.site === null) return;
    if (!this.o.sources.some((s) => s.project === project && s.topic === topic)) return;
    const problems: string[] = [];
    for (let i = 0; i < messages.length; i++) {
      const problem = await this.problemOf(messages[i]!.data, i, caller.site);
      if (problem) problems.push(problem);
    }
    if (problems.length === 0) return;
    if (this.o.mode === 'warn') {
      this.o.logger.warn(
        { site: caller.site, topic, problems },
        'accounting messages whose signature does not pass (accepted: warn mode)',
      );
      return;
    }
    throw new AmsError(403, 'FORBIDDEN', `signature check: ${problems.join('; ')}`);
  }
}
