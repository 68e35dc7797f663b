// Where a site's accounting state lives: the watermark directory and the outbox.
import path from 'node:path';
import type { SiteConfig } from '../site-config.js';

/** State and outbox directories of a site (relative paths are relative to the config file). */
export function accountingDirs(config: SiteConfig): { stateDir: string; outboxDir: string } {
  const base = path.dirname(path.resolve(config.file));
  const site = config.accounting.siteName ?? config.gocdb;
  const stateDir = path.resolve(
    base,
    config.accounting.stateDir ?? path.join('.fedstack', 'accounting', site),
  );
  const outboxDir = path.resolve(base, config.accounting.outboxDir ?? path.join(stateDir, 'outgoing'));
  return { stateDir, outboxDir };
}
