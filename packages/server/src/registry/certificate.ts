// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the
// Reflect metadata API; its README requires this import before the library's.
import 'reflect-metadata';
import { createHash, type KeyObject, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 builds on WebCrypto; Node 20's implementation is `node:crypto`'s webcrypto.
const crypto = webcrypto as unknown as Crypto;
const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_WITH_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface CertificateInput {
  /** Common name of the subject. */
  subject: string;
  /** Common name of the issuer; the subject itself when self-signed. */
  issuer: string;
  /** The certified key (P-256). */
  publicKey: KeyObject;
  /** The issuer's private key (P-256); the subject's own when self-signed. */
  signingKey: KeyObject;
  /** The issuer's public key, for the authority key identifier. */
  issuerPublicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** A CA may sign certificates; a leaf only signatures. */
  ca: boolean;
}

const name = (cn: string): x509.JsonName => [{ O: ['Latchkey'] }, { CN: [cn] }];

const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });

const publicCryptoKey = (k: KeyObject) =>
  crypto.subtle.importKey('spki', spki(k), EC_P256, true, ['verify']);

const privateCryptoKey = (k: KeyObject) =>
  crypto.subtle.importKey('pkcs8', k.export({ type: 'pkcs8', format: 'der' }), EC_P256, false, [
    'sign',
  ]);

/** X.509 times carry whole seconds (RFC 5280 §4.1.2.5 forbids fractions in GeneralizedTime). */
const wholeSeconds = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

/**
 * Builds and signs an X.509 v3 certificate (ECDSA P-256 / SHA-256) with
 * `@peculiar/x509`. Returned as node's parsed `X509Certificate`, so a malformed
 * encoding fails here and not in a registry.
 */
export async function createCertificate(input: CertificateInput): Promise<X509Certificate> {
  for (const k of [input.publicKey, input.signingKey, input.issuerPublicKey]) {
    if (k.asymmetricKeyType !== 'ec' || k.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new TypeError('certificate keys must be EC P-256');
  }
  const [publicKey, signingKey, issuerPublicKey] = await Promise.all([
    publicCryptoKey(input.publicKey),
    privateCryptoKey(input.signingKey),
    publicCryptoKey(input.issuerPublicKey),
  ]);
  const serial = randomBytes(16);
  // Positive, and no leading zero byte a strict DER reader would refuse.
  serial[0] = 0x40 | ((serial[0] ?? 0) & 0x3f);
  const { KeyUsageFlags } = x509;
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial.toString('hex'),
      subject: name(input.subject),
      issuer: name(input.issuer),
      notBefore: wholeSeconds(input.notBefore),
      notAfter: wholeSeconds(input.notAfter),
      signingAlgorithm: ECDSA_WITH_SHA256,
      publicKey,
      signingKey,
      extensions: [
        // A CA signs leaves only (path length 0); a leaf signs tokens only.
        input.ca
          ? new x509.BasicConstraintsExtension(true, 0, true)
          : new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          input.ca
            ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign
            : KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(issuerPublicKey, false, crypto),
      ],
    },
    crypto,
  );
  return new X509Certificate(Buffer.from(cert.rawData));
}

/**
 * The libtrust key id Docker's distribution derives from a public key: SHA-256
 * of the DER SubjectPublicKeyInfo, first 240 bits, base32 without padding, in
 * groups of four joined by ":". Docker-specific, so no kept library has it.
 */
export function libtrustKeyId(k: KeyObject): string {
  const digest = createHash('sha256').update(spki(k)).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return (out.match(/.{1,4}/g) ?? []).join(':');
}
