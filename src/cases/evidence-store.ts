import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Write-once, content-addressed evidence: a file is stored under its SHA-256 and never
 * rewritten. Storing the same bytes twice is a no-op; different bytes can never replace them.
 */
export class EvidenceStore {
  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  put(bytes: Buffer): { sha256: string; path: string; size: number } {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const path = join(this.directory, sha256);
    if (!existsSync(path)) {
      const temporary = `${path}.${randomBytes(6).toString('hex')}.partial`;
      writeFileSync(temporary, bytes, { mode: 0o400, flag: 'wx' });
      renameSync(temporary, path);
    }
    return { sha256, path, size: bytes.length };
  }

  /** Reads an artifact back, refusing it if its bytes no longer match its name. */
  get(sha256: string): Buffer {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    const bytes = readFileSync(join(this.directory, sha256));
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw new Error(`evidence ${sha256} was altered: its bytes hash to ${actual}`);
    return bytes;
  }
}
