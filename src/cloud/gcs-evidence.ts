import { Storage } from '@google-cloud/storage';
import { checkedArtifact, checkSha256, sha256Of, type EvidenceStore, type StoredArtifact } from '../cases/evidence-store';
import { googleClientOptions, type CloudTarget } from './config';
import { fromHttpStatus, fromUnknown, InvalidTargetError, type CloudErrorContext } from './errors';
import { checkName } from './validate';

/**
 * Evidence in a Cloud Storage bucket, for production: objects named by SHA-256 and created only
 * if absent (ifGenerationMatch=0), so nothing is ever overwritten. Give the bucket a retention
 * policy (locked) to make deletion impossible too.
 */
export class GcsEvidenceStore implements EvidenceStore {
  private readonly storage: Storage;

  constructor(
    target: CloudTarget,
    readonly bucket: string,
    readonly prefix = 'evidence/',
  ) {
    const context = { service: 'storage' as const, operation: 'configure evidence bucket', target: bucket };
    checkName('bucket', bucket, 'bucket name', context);
    if (!/^([a-z0-9_-][a-z0-9._-]*\/)*$/.test(prefix) || prefix.includes('..')) throw new InvalidTargetError(context, undefined, `object prefix ${JSON.stringify(prefix)} must be path segments ending in "/"`);
    this.storage =
      target.mode === 'lab'
        ? new Storage({ apiEndpoint: target.url, projectId: 'lab', useAuthWithCustomEndpoint: true, authClient: googleClientOptions(target).authClient as never, retryOptions: { autoRetry: true, maxRetries: 3 } })
        : new Storage();
  }

  async put(bytes: Buffer): Promise<StoredArtifact> {
    const sha256 = sha256Of(bytes);
    const name = `${this.prefix}${sha256}`;
    const context = this.context('upload', name);
    try {
      await this.storage.bucket(this.bucket).file(name).save(bytes, {
        resumable: false,
        contentType: 'application/octet-stream',
        metadata: { metadata: { sha256 } },
        preconditionOpts: { ifGenerationMatch: 0 },
      });
    } catch (error) {
      // Already there: the name is the content's hash, so it holds these very bytes.
      if (statusOf(error) !== 412) throw classify(error, context);
    }
    return { sha256, path: `gs://${this.bucket}/${name}`, size: bytes.length };
  }

  async get(sha256: string): Promise<Buffer> {
    checkSha256(sha256);
    const name = `${this.prefix}${sha256}`;
    try {
      const [bytes] = await this.storage.bucket(this.bucket).file(name).download();
      return checkedArtifact(sha256, bytes, `gs://${this.bucket}/${name}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('evidence ')) throw error;
      throw classify(error, this.context('download', name));
    }
  }

  private context(operation: string, name: string): CloudErrorContext {
    return { service: 'storage', operation, target: `gs://${this.bucket}/${name}` };
  }
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

function classify(error: unknown, context: CloudErrorContext) {
  const status = statusOf(error);
  return status ? fromHttpStatus(status, (error as Error).message, context, error) : fromUnknown(error, context);
}

