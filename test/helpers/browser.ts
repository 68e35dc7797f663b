// Browser tests with playwright-core driving Debian's chromium: launch, screenshots, accessibility
// checks with axe-core, and the page errors a test expects to stay empty.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium package, the browser the tests drive. */
const CHROMIUM = '/usr/bin/chromium';

/** Where {@link screenshot} writes: `test-results/screenshots` of the project. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/screenshots', import.meta.url));

/** The WCAG 2.0 and 2.1 levels A and AA rules of axe-core. */
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** A serious or critical accessibility violation found by axe-core. */
export interface AxeViolation {
  /** The axe rule, e.g. `color-contrast`. */
  readonly id: string;
  readonly impact: 'serious' | 'critical';
  /** What the rule asks for. */
  readonly help: string;
  /** CSS selectors of the offending elements. */
  readonly targets: string[];
}

/** Launches a headless chromium; throws when Debian's chromium is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** Writes a full-page screenshot `${name}.png` to {@link SCREENSHOT_DIR}; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** What the page's `axe.run` answers, as far as it is read here. */
interface AxeResults {
  violations: {
    id: string;
    impact?: string | null;
    help: string;
    nodes: { target: unknown[] }[];
  }[];
}

/** Runs axe-core's WCAG 2.1 A/AA rules on the page; returns the serious and critical violations. */
export async function checkAccessibility(page: Page): Promise<AxeViolation[]> {
  const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  const content = await readFile(axeSource, 'utf8');
  await page.addScriptTag({ content });
  const results = await page.evaluate(async (values) => {
    // runs in the page, where the script above defined `axe`
    const win = globalThis as unknown as {
      document: unknown;
      axe: { run(context: unknown, options: unknown): Promise<AxeResults> };
    };
    return win.axe.run(win.document, { runOnly: { type: 'tag', values } });
  }, WCAG_TAGS);
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact as AxeViolation['impact'],
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
}

/**
 * Collects the page's uncaught errors and console errors from now on, into the returned array
 * (which a test expects to be empty at its end).
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const { url } = message.location();
    errors.push(url ? `${message.text()} (${url})` : message.text());
  });
  return errors;
}
