// Reads the issuer DN of an endpoint's TLS certificate, for the GLUE endpoint's IssuerCA.
import net from 'node:net';
import tls from 'node:tls';

/** Renders a certificate subject or issuer in the OpenSSL slash form GLUE consumers know: `/C=NL/O=…/CN=…`. */
export function formatDn(dn: Readonly<Record<string, string | string[]>>): string {
  return Object.entries(dn)
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `/${k}=${x}`) : [`/${k}=${v}`]))
    .join('');
}

/**
 * The issuer DN of the certificate an HTTPS endpoint presents, or undefined for plain
 * HTTP or when the handshake fails (the value is informational; it never fails discovery).
 */
export function readTlsIssuer(endpointUrl: string, timeoutMs = 10_000): Promise<string | undefined> {
  const url = new URL(endpointUrl);
  if (url.protocol !== 'https:') return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: url.hostname,
      port: Number(url.port || 443),
      // SNI carries host names only (RFC 6066 §3)
      servername: net.isIP(url.hostname) ? undefined : url.hostname,
      // only the certificate is read; trust is the HTTP client's business
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    const done = (value: string | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.once('secureConnect', () => {
      const issuer = socket.getPeerCertificate()?.issuer;
      done(issuer && Object.keys(issuer).length > 0 ? formatDn(issuer as Record<string, string>) : undefined);
    });
    socket.once('timeout', () => done(undefined));
    socket.once('error', () => done(undefined));
  });
}
