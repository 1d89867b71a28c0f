import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { TrustedKey } from '../workflows/signed-decision';

/** A key's ID is its fingerprint, so a configuration can never name one key with another's ID. */
export function trustedKeyOf(publicKey: KeyObject): TrustedKey {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.x) throw new Error('a decision authority key must be Ed25519');
  const raw = Buffer.from(jwk.x, 'base64url');
  return { id: `ed25519:${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`, publicKey: raw.toString('hex') };
}

/** A public key as configured: PEM (what `openssl pkey -pubout` writes) or 32 bytes of hex. */
export function parseTrustedKey(text: string): TrustedKey {
  const value = text.trim();
  if (/^[0-9a-f]{64}$/i.test(value)) {
    return trustedKeyOf(createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(value, 'hex').toString('base64url') }, format: 'jwk' }));
  }
  try {
    return trustedKeyOf(createPublicKey(value));
  } catch (error) {
    throw new Error(`not an Ed25519 public key (PEM or 64 hex digits): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
