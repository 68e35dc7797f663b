// The project's lint configuration keeps outbound HTTP in src/http: no fetch, no node:http(s) or undici elsewhere.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const eslint = new ESLint({ cwd: ROOT });

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('outbound HTTP only through src/http', () => {
  it('refuses fetch and globalThis.fetch in a box', async () => {
    expect(await ruleIds('src/site/x.ts', "export const r = fetch('https://example.org');\n")).toEqual([
      'no-restricted-globals',
    ]);
    expect(
      await ruleIds('src/hub/x.ts', "export const r = globalThis.fetch('https://example.org');\n"),
    ).toEqual(['no-restricted-properties']);
  });

  it('refuses node:http, node:https and undici imports outside src/http', async () => {
    expect(
      await ruleIds(
        'src/openstack/x.ts',
        "import { request } from 'node:https';\nexport const r = request;\n",
      ),
    ).toEqual(['no-restricted-imports']);
    expect(
      await ruleIds('src/site/x.ts', "import { Agent } from 'undici';\nexport const a = new Agent();\n"),
    ).toEqual(['no-restricted-imports']);
  });

  it('allows them inside src/http', async () => {
    expect(
      await ruleIds(
        'src/http/x.ts',
        "import { Agent } from 'undici';\nexport const r = [fetch, new Agent()];\n",
      ),
    ).toEqual([]);
  });
});
