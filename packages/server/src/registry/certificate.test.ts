import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCertificate, libtrustKeyId } from './certificate.js';

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('createCertificate', () => {
  it('builds a CA and a leaf that node (and so OpenSSL) parses and chains', () => {
    const ca = p256();
    const leafKey = p256();
    const now = Date.parse('2049-12-31T23:00:00Z'); // validity crosses into GeneralizedTime
    const root = createCertificate({
      subject: 'Test CA',
      issuer: 'Test CA',
      publicKey: ca.publicKey,
      signingKey: ca.privateKey,
      issuerPublicKey: ca.publicKey,
      notBefore: new Date(now),
      notAfter: new Date(now + 10 * 365 * 86400_000),
      ca: true,
    });
    const leaf = createCertificate({
      subject: 'Signer',
      issuer: 'Test CA',
      publicKey: leafKey.publicKey,
      signingKey: ca.privateKey,
      issuerPublicKey: ca.publicKey,
      notBefore: new Date(now),
      notAfter: new Date(now + 86400_000),
      ca: false,
    });
    expect(root.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(root.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(root)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.verify(leafKey.publicKey)).toBe(false);
    expect(leaf.subject).toBe('O=Latchkey\nCN=Signer');
    expect(new Date(root.validTo).getUTCFullYear()).toBe(2059);
    expect(Date.parse(leaf.validFrom)).toBe(now);
    // The DER round-trips through a PEM parse.
    expect(new X509Certificate(root.toString()).fingerprint256).toBe(root.fingerprint256);
    expect(leaf.serialNumber).toMatch(/^[0-7]/);
  });

  it('refuses keys that are not P-256', () => {
    const ed = generateKeyPairSync('ed25519');
    const ec = p256();
    expect(() =>
      createCertificate({
        subject: 'x',
        issuer: 'x',
        publicKey: ed.publicKey,
        signingKey: ec.privateKey,
        issuerPublicKey: ec.publicKey,
        notBefore: new Date(),
        notAfter: new Date(),
        ca: false,
      }),
    ).toThrow(TypeError);
  });
});

describe('libtrustKeyId', () => {
  it('is 48 base32 characters of the SPKI hash in groups of four', () => {
    const { publicKey } = p256();
    const id = libtrustKeyId(publicKey);
    expect(id).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(libtrustKeyId(publicKey)).toBe(id);
    expect(libtrustKeyId(p256().publicKey)).not.toBe(id);
  });
});
