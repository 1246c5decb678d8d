import 'reflect-metadata';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { createCertificate, libtrustKeyId } from './certificate.js';

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('createCertificate', () => {
  it('builds a CA and a leaf that node (and so OpenSSL) parses and chains', async () => {
    const ca = p256();
    const leafKey = p256();
    const now = Date.parse('2049-12-31T23:00:00Z'); // validity crosses into GeneralizedTime
    const root = await createCertificate({
      subject: 'Test CA',
      issuer: 'Test CA',
      publicKey: ca.publicKey,
      signingKey: ca.privateKey,
      issuerPublicKey: ca.publicKey,
      notBefore: new Date(now),
      notAfter: new Date(now + 10 * 365 * 86400_000),
      ca: true,
    });
    const leaf = await createCertificate({
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

  it('marks CA and leaf with critical basicConstraints and keyUsage, key ids, whole-second times', async () => {
    const ca = p256();
    const leafKey = p256();
    const now = Date.parse('2030-01-01T00:00:00.750Z');
    const make = (isCa: boolean) =>
      createCertificate({
        subject: isCa ? 'CA' : 'Leaf',
        issuer: 'CA',
        publicKey: isCa ? ca.publicKey : leafKey.publicKey,
        signingKey: ca.privateKey,
        issuerPublicKey: ca.publicKey,
        notBefore: new Date(now),
        notAfter: new Date(now + 3600_000),
        ca: isCa,
      });
    const [root, leaf] = (await Promise.all([make(true), make(false)])).map(
      (c) => new x509.X509Certificate(c.raw),
    ) as [x509.X509Certificate, x509.X509Certificate];
    const { KeyUsageFlags } = x509;
    const basic = (c: x509.X509Certificate) =>
      c.getExtension(x509.BasicConstraintsExtension) as x509.BasicConstraintsExtension;
    const usage = (c: x509.X509Certificate) =>
      c.getExtension(x509.KeyUsagesExtension) as x509.KeyUsagesExtension;
    expect(basic(root)).toMatchObject({ ca: true, pathLength: 0, critical: true });
    expect(basic(leaf)).toMatchObject({ ca: false, critical: true });
    expect(usage(root)).toMatchObject({
      usages: KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign,
      critical: true,
    });
    expect(usage(leaf)).toMatchObject({ usages: KeyUsageFlags.digitalSignature, critical: true });
    const ski = (c: x509.X509Certificate) =>
      (c.getExtension(x509.SubjectKeyIdentifierExtension) as x509.SubjectKeyIdentifierExtension)
        .keyId;
    const aki = (c: x509.X509Certificate) =>
      (c.getExtension(x509.AuthorityKeyIdentifierExtension) as x509.AuthorityKeyIdentifierExtension)
        .keyId;
    expect(aki(leaf)).toBe(ski(root));
    expect(aki(root)).toBe(ski(root));
    expect(ski(leaf)).not.toBe(ski(root));
    expect(leaf.notBefore.getTime()).toBe(now - 750);
    expect(leaf.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
  });

  it('refuses keys that are not P-256', async () => {
    const ed = generateKeyPairSync('ed25519');
    const ec = p256();
    await expect(
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
    ).rejects.toThrow(TypeError);
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
