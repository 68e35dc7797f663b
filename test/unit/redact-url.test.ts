import { describe, expect, it } from 'vitest';
import { hasUrlUserinfo, isSecretParamName, redactUrl, redactUrlsInText } from '../../src/redact-url.js';
import { redactUrl as redactUrlFromLog } from '../../src/log.js';
import { fc } from '../helpers/fuzz.js';

describe('redactUrl', () => {
  it('drops user and password from an absolute URL and keeps the rest', () => {
    expect(redactUrl('http://admin:PW@127.0.0.1:5000/v3')).toBe('http://127.0.0.1:5000/v3');
    expect(redactUrl('https://admin@k.example.org/v3/?limit=1')).toBe('https://k.example.org/v3/?limit=1');
  });

  it('takes the last @ of the authority as its end, as URL parsers do', () => {
    expect(redactUrl('http://admin:p@ss@h.example.org/x@y')).toBe('http://h.example.org/x@y');
  });

  it('drops userinfo however the slashes are written', () => {
    expect(redactUrl('//u:p@h/x')).toBe('//h/x');
    expect(redactUrl('http:u:p@h/x')).toBe('http:h/x');
    expect(redactUrl('HTTP:\\\\u:p@h/x')).toBe('HTTP:\\\\h/x');
  });

  it('replaces the values of secret query parameters and keeps the others', () => {
    expect(redactUrl('https://h/v3?token=abc&limit=1&X-Amz-Signature=s&sort_key=name')).toBe(
      'https://h/v3?token=[redacted]&limit=1&X-Amz-Signature=[redacted]&sort_key=name',
    );
  });

  it('matches secret names without regard to case and after percent-decoding', () => {
    expect(redactUrl('/v1/x?k%65y=abc')).toBe('/v1/x?k%65y=[redacted]');
    expect(redactUrl('/v1/x?KEY=abc&Access_Token=t&k%2565y=d')).toBe(
      '/v1/x?KEY=[redacted]&Access_Token=[redacted]&k%2565y=[redacted]',
    );
    expect(redactUrl('/x?pass%77ord=a&api%2Dkey=b')).toBe('/x?pass%77ord=[redacted]&api%2Dkey=[redacted]');
  });

  it('hides a whole parameter whose name holds an encoded = (the secret is then in the name)', () => {
    expect(redactUrl('/x?key%3Dabc')).toBe('/x?[redacted]');
  });

  it('redacts token parameters of the fragment', () => {
    expect(redactUrl('https://h/cb#access_token=abc&state=1')).toBe(
      'https://h/cb#access_token=[redacted]&state=1',
    );
  });

  it('returns malformed input without throwing', () => {
    for (const bad of ['', '%', '%%?a=%zz&token=%E0%A4%A', '?', '#', 'http://', 'http://@', ':::', '\u0000'])
      expect(() => redactUrl(bad)).not.toThrow();
    expect(redactUrl('%%?a=%zz&token=%E0%A4%A')).toBe('%%?a=%zz&token=[redacted]');
  });

  it('can hide every query value, for upstream API paths', () => {
    expect(redactUrl('https://u:p@h/x?token=abc&limit=1', { allQueryValues: true })).toBe(
      'https://h/x?token=…&limit=…',
    );
  });

  it('is exported by the logger module too', () => {
    expect(redactUrlFromLog).toBe(redactUrl);
  });

  it('never lets a password of the authority or a secret parameter value through (property)', () => {
    const part = fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/);
    const secretName = fc.constantFrom(
      'token',
      'key',
      'password',
      'secret',
      'access_token',
      'X-Api-Key',
      'k%65y',
    );
    fc.assert(
      fc.property(
        fc.constantFrom('http://', 'https://', '//', ''),
        part,
        fc.stringMatching(/^SECRET[A-Za-z0-9!$&'()*+,;=%._~-]{4,16}$/).filter((s) => !/[/?#@\\]/.test(s)),
        part,
        secretName,
        fc.array(fc.tuple(part, part), { maxLength: 3 }),
        (scheme, user, password, host, name, others) => {
          const query = [...others.map(([k, v]) => `${k}=${v}`), `${name}=${password}`].join('&');
          const url = scheme ? `${scheme}${user}:${password}@${host}/p?${query}` : `/p?${query}`;
          const shown = redactUrl(url);
          expect(shown).not.toContain(password);
          return true;
        },
      ),
    );
  });
});

describe('isSecretParamName', () => {
  it('knows the usual secret names and leaves ordinary ones alone', () => {
    for (const n of ['token', 'key', 'password', 'secret', 'access_token', 'refresh_token', 'apikey', 'sig'])
      expect(isSecretParamName(n)).toBe(true);
    for (const n of ['limit', 'marker', 'sort_key', 'changes-since', 'project_id', 'name'])
      expect(isSecretParamName(n)).toBe(false);
  });
});

describe('redactUrlsInText', () => {
  it('redacts a URL quoted in an error message (fetch names the URL with its credentials)', () => {
    expect(
      redactUrlsInText(
        'Request cannot be constructed from a URL that includes credentials: http://admin:PW@127.0.0.1:1/v3',
      ),
    ).toBe('Request cannot be constructed from a URL that includes credentials: http://127.0.0.1:1/v3');
  });
});

describe('hasUrlUserinfo', () => {
  it('is true only when the authority carries user or password', () => {
    expect(hasUrlUserinfo('http://admin:PW@127.0.0.1:5000/v3')).toBe(true);
    expect(hasUrlUserinfo('http://admin@h/v3')).toBe(true);
    expect(hasUrlUserinfo('http://h/v3/a@b?x=y@z')).toBe(false);
    expect(hasUrlUserinfo('/relative@path')).toBe(false);
  });
});
