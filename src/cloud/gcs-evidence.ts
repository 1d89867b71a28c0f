import { Storage } from '@google-cloud/storage';
import { checkedArtifact, checkSha256, sha256Of, type EvidenceStore, type StoredArtifact } from '../cases/evidence-store';
import { cloudCall } from './call';
import { googleClientOptions, requestTimeoutOf, type CloudTarget } from './config';
import { CloudError, fromHttpStatus, fromUnknown, InvalidTargetError, type CloudErrorContext } from './errors';
import { checkName } from './validate';

/**
 * Evidence in a Cloud Storage bucket, for production: objects named by SHA-256 and created only
 * if absent (ifGenerationMatch=0), so nothing is ever overwritten. Give the bucket a retention
 * policy (locked) to make deletion impossible too.
 */
export class GcsEvidenceStore implements EvidenceStore {
  private readonly storage: Storage;
  private readonly deadlineMs: number;

  constructor(
    target: CloudTarget,
    readonly bucket: string,
    readonly prefix = 'evidence/',
  ) {
    this.deadlineMs = requestTimeoutOf(target);
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
    const save = () =>
      this.storage.bucket(this.bucket).file(name).save(bytes, { resumable: false, contentType: 'application/octet-stream', metadata: { metadata: { sha256 } }, preconditionOpts: { ifGenerationMatch: 0 } });
    // Already there (412): the name is the content's hash, so it holds these very bytes.
    await cloudCall(context, this.deadlineMs, () => save().catch((error: unknown) => (statusOf(error) === 412 ? undefined : Promise.reject(error))), classify);
    return { sha256, path: `gs://${this.bucket}/${name}`, size: bytes.length };
  }

  async get(sha256: string): Promise<Buffer> {
    checkSha256(sha256);
    const name = `${this.prefix}${sha256}`;
    const [bytes] = await cloudCall(this.context('download', name), this.deadlineMs, () => this.storage.bucket(this.bucket).file(name).download(), classify);
    return checkedArtifact(sha256, bytes, `gs://${this.bucket}/${name}`);
  }

  private context(operation: string, name: string): CloudErrorContext {
    return { service: 'storage', operation, target: `gs://${this.bucket}/${name}` };
  }
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

function classify(error: unknown, context: CloudErrorContext): CloudError {
  if (error instanceof CloudError) return error;
  const status = statusOf(error);
  return status ? fromHttpStatus(status, (error as Error).message, context, error) : fromUnknown(error, context);
}

