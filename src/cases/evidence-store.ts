import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Write-once, content-addressed evidence: an artifact is stored under its SHA-256 and never
 * rewritten. Storing the same bytes twice is a no-op; different bytes can never replace them.
 */
export interface StoredArtifact {
  sha256: string;
  /** Where it is: a file path, or gs://bucket/object. */
  path: string;
  size: number;
}

export interface EvidenceStore {
  put(bytes: Buffer): Promise<StoredArtifact>;
  /** Reads an artifact back, refusing it if its bytes no longer match its name. */
  get(sha256: string): Promise<Buffer>;
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function checkedArtifact(sha256: string, bytes: Buffer, where: string): Buffer {
  const actual = sha256Of(bytes);
  if (actual !== sha256) throw new Error(`evidence ${sha256} at ${where} was altered: its bytes hash to ${actual}`);
  return bytes;
}

export function checkSha256(sha256: string): void {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256: ${JSON.stringify(sha256).slice(0, 80)}`);
}

/** A local directory (the default): files named by hash, read-only once written. */
export class LocalEvidenceStore implements EvidenceStore {
  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  async put(bytes: Buffer): Promise<StoredArtifact> {
    const sha256 = sha256Of(bytes);
    const path = join(this.directory, sha256);
    if (!existsSync(path)) {
      const temporary = `${path}.${randomBytes(6).toString('hex')}.partial`;
      writeFileSync(temporary, bytes, { mode: 0o400, flag: 'wx' });
      renameSync(temporary, path);
    }
    return { sha256, path, size: bytes.length };
  }

  async get(sha256: string): Promise<Buffer> {
    checkSha256(sha256);
    const path = join(this.directory, sha256);
    return checkedArtifact(sha256, readFileSync(path), path);
  }
}
