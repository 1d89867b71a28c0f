import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Config } from '../config/config';
import { configuredKeys } from '../config/decision-keys';
import { trustedKeyOf } from '../config/trusted-key';
import { claimLifetimeMs, signedText, type DecisionClaim, type SignedDecision, type TrustedKey } from '../workflows/signed-decision';

/**
 * The decision authority: it signs what an authenticated person decided, with an Ed25519 key
 * only it holds. Workers hold the matching public key (`decisionAuthority.keys`) and check every
 * decision against it; see signed-decision.ts for what a claim binds.
 */
export class DecisionAuthority {
  readonly key: TrustedKey;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519' || privateKey.type !== 'private') throw new Error('the decision signing key must be an Ed25519 private key');
    this.key = trustedKeyOf(createPublicKey(privateKey));
  }

  static fromPem(pem: string, source = 'the decision signing key'): DecisionAuthority {
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch (error) {
      throw new Error(`${source} is not a PEM private key: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return new DecisionAuthority(key);
  }

  /** Signs a claim for who was authenticated; it is good for ten minutes and once. */
  sign(fields: Omit<DecisionClaim, 'v' | 'at' | 'expiresAt' | 'nonce'>, now = Date.now()): SignedDecision {
    const claim: DecisionClaim = {
      v: 1,
      ...fields,
      at: new Date(now).toISOString(),
      expiresAt: new Date(now + claimLifetimeMs).toISOString(),
      nonce: randomBytes(16).toString('hex'),
    };
    const text = JSON.stringify(claim);
    return { keyId: this.key.id, claim: text, signature: sign(null, signedText(text), this.privateKey).toString('hex') };
  }
}

/** A new authority key pair: the private key as PEM, the public one as workers trust it. */
export function generateAuthorityKey(): { privatePem: string; publicPem: string; key: TrustedKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), key: trustedKeyOf(publicKey) };
}

/**
 * The server's authority from its configuration: the signing key file, which must be one of the
 * keys the workers trust (else every decision it signs would be refused), or none at all.
 */
export function authorityFromConfig(config: Pick<Config, 'decisionAuthority'>): DecisionAuthority | undefined {
  const file = config.decisionAuthority.signingKeyFile;
  if (!file) return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the decision signing key ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const authority = DecisionAuthority.fromPem(pem, `the decision signing key ${file}`);
  if (!configuredKeys(config).some((k) => k.id === authority.key.id)) {
    throw new Error(`the decision signing key ${file} (${authority.key.id}) is not among decisionAuthority.keys, so workers would refuse what it signs: add its public key there`);
  }
  return authority;
}

/** The lab's authority key, made on the first start and kept in the data folder (mode 0600). */
export function keptAuthorityKey(file: string): { file: string; publicPem: string } {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch {
    const made = generateAuthorityKey();
    writeFileSync(file, made.privatePem, { mode: 0o600 });
    pem = made.privatePem;
  }
  return { file, publicPem: createPublicKey(createPrivateKey(pem)).export({ format: 'pem', type: 'spki' }).toString() };
}

/** What the console needs to vouch for decisions and run reverts. */
export function consoleAuthority(config: Pick<Config, 'decisionAuthority' | 'temporal'>): { authority?: DecisionAuthority; temporal: { taskQueue: string; workflowIdPrefix: string } } {
  const authority = authorityFromConfig(config);
  return { ...(authority ? { authority } : {}), temporal: { taskQueue: config.temporal.taskQueue, workflowIdPrefix: config.temporal.workflowIdPrefix } };
}
