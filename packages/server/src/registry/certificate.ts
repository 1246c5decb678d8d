import { createHash, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import {
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  integer,
  octetString,
  oid,
  sequence,
  set,
  time,
  utf8String,
} from './der.js';

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

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

const name = (cn: string) =>
  sequence(
    set(sequence(oid('2.5.4.10'), utf8String('Latchkey'))),
    set(sequence(oid('2.5.4.3'), utf8String(cn))),
  );

const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyIdentifier(k: KeyObject): Buffer {
  const der = spki(k);
  // For P-256 the BIT STRING is the last 66 bytes: 0x00 unused-bits byte + 65-byte point.
  return createHash('sha1')
    .update(der.subarray(der.length - 65))
    .digest();
}

const extension = (id: string, critical: boolean, value: Buffer) =>
  sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));

/**
 * Builds and signs an X.509 v3 certificate (ECDSA P-256 / SHA-256). Returned as
 * a parsed `X509Certificate`, so a malformed encoding fails here and not in a registry.
 */
export function createCertificate(input: CertificateInput): X509Certificate {
  for (const k of [input.publicKey, input.signingKey, input.issuerPublicKey]) {
    if (k.asymmetricKeyType !== 'ec' || k.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new TypeError('certificate keys must be EC P-256');
  }
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const extensions = input.ca
    ? [
        // basicConstraints: CA, path length 0 (it signs leaves only)
        extension('2.5.29.19', true, sequence(boolean(true), integer(0))),
        // keyUsage: keyCertSign, cRLSign
        extension('2.5.29.15', true, bitString(Buffer.from([0x06]), 1)),
      ]
    : [
        extension('2.5.29.19', true, sequence()),
        // keyUsage: digitalSignature
        extension('2.5.29.15', true, bitString(Buffer.from([0x80]), 7)),
      ];
  extensions.push(extension('2.5.29.14', false, octetString(keyIdentifier(input.publicKey))));
  extensions.push(
    extension(
      '2.5.29.35',
      false,
      sequence(implicitPrimitive(0, keyIdentifier(input.issuerPublicKey))),
    ),
  );
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial),
    ECDSA_WITH_SHA256,
    name(input.issuer),
    sequence(time(input.notBefore), time(input.notAfter)),
    name(input.subject),
    spki(input.publicKey),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, input.signingKey); // DER ECDSA-Sig-Value, as X.509 wants
  return new X509Certificate(sequence(tbs, ECDSA_WITH_SHA256, bitString(signature)));
}

/**
 * The libtrust key id Docker's distribution derives from a public key: SHA-256
 * of the DER SubjectPublicKeyInfo, first 240 bits, base32 without padding, in
 * groups of four joined by ":".
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
