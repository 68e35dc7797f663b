// The box-boundary lint rule: boxes never import each other; other folders only through their index.
import path from 'node:path';
import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import fedstack from '../../../eslint/box-boundaries.js';

const SRC = path.resolve(import.meta.dirname, '../../../src');

function problems(file: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.js'],
        languageOptions: { sourceType: 'module' },
        plugins: { fedstack },
        rules: { 'fedstack/box-boundaries': 'error' },
      },
    ],
    { filename: path.join(SRC, file) },
  );
  return messages.map((m) => m.message);
}

describe('box boundaries', () => {
  it('refuses an import from one box into another, even through its index', () => {
    expect(problems('site/x.js', "import { a } from '../hub/index.js';")).toEqual([
      expect.stringContaining('site/ may not import from hub/'),
    ]);
  });

  it('refuses a deep import into a common layer and names its index', () => {
    expect(problems('hub/store/x.js', "export { a } from '../../openstack/nova.js';")).toEqual([
      expect.stringContaining('through its index (openstack/index.js)'),
    ]);
    expect(problems('site/x.js', "import('../formats/glue/render-ldif.js');")).toEqual([
      expect.stringContaining('formats/glue/index.js'),
    ]);
  });

  it('lets a folder use itself, its own sub-folders, the common modules and other folders through their index', () => {
    const code = [
      "import { a } from './accounting/ingest-consumer.js';",
      "import { b } from '../errors.js';",
      "import { c } from '../openstack/index.js';",
      "import { d } from '../formats/apel/index.js';",
      "import { e } from 'node:fs';",
    ].join('\n');
    expect(problems('hub/app.js', code)).toEqual([]);
  });
});
