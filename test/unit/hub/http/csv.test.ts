import { describe, expect, it } from 'vitest';
import { toCsv } from '../../../../src/hub/http/csv.js';

describe('toCsv', () => {
  it('writes a header and rows with CRLF, quoting commas, quotes and line breaks', () => {
    const csv = toCsv(
      ['site', 'note', 'n'],
      [
        { site: 'A', note: 'x,y', n: 1 },
        { site: 'B', note: 'say "hi"', n: null },
      ],
    );
    expect(csv).toBe('site,note,n\r\nA,"x,y",1\r\nB,"say ""hi""",\r\n');
  });
});
