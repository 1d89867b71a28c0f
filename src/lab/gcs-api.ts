import { createHash } from 'node:crypto';
import type { Router } from './http';
import { HttpError, googleError, json, type LabRequest, type LabResponse } from './http';

/**
 * Cloud Storage JSON API, the part an evidence bucket needs: multipart and media uploads with
 * generation preconditions (write-once), object metadata, and downloads. Buckets exist on first use.
 */

interface StoredObject {
  bytes: Buffer;
  metadata: Record<string, unknown>;
}

export class GcsApi {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();
  private generation = 1_700_000_000_000_000;

  routes(router: Router): void {
    router.on('POST', /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/, (request, [bucket]) => this.upload(request, bucket!));
    router.on('GET', /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/, (request, [bucket, name]) => this.read(request, bucket!, name!));
  }

  objects(bucket: string): Map<string, StoredObject> {
    let objects = this.buckets.get(bucket);
    if (!objects) this.buckets.set(bucket, (objects = new Map()));
    return objects;
  }

  private upload(request: LabRequest, bucket: string): LabResponse {
    const type = request.query.get('uploadType');
    let metadata: Record<string, unknown> = {};
    let bytes: Buffer;
    if (type === 'media') {
      bytes = request.body;
    } else if (type === 'multipart') {
      const parts = multipartParts(request.body, String(request.headers['content-type'] ?? ''));
      if (parts.length !== 2) throw new HttpError(googleError(400, `multipart upload needs a metadata part and a media part, got ${parts.length}`));
      metadata = JSON.parse(parts[0]!.toString('utf8') || '{}') as Record<string, unknown>;
      bytes = parts[1]!;
    } else {
      throw new HttpError(googleError(400, `uploadType ${type ?? '(none)'} is not supported here`));
    }
    const name = request.query.get('name') ?? (typeof metadata.name === 'string' ? metadata.name : undefined);
    if (!name) throw new HttpError(googleError(400, 'Required parameter: name'));
    const objects = this.objects(bucket);
    const existing = objects.get(name);
    const ifGenerationMatch = request.query.get('ifGenerationMatch');
    if (ifGenerationMatch !== null && String(existing?.metadata.generation ?? '0') !== ifGenerationMatch) {
      return { status: 412, body: { error: { code: 412, message: 'At least one of the pre-conditions you specified did not hold.', errors: [{ reason: 'conditionNotMet' }] } } };
    }
    const generation = String(++this.generation);
    const stored: StoredObject = {
      bytes,
      metadata: {
        kind: 'storage#object',
        id: `${bucket}/${name}/${generation}`,
        name,
        bucket,
        generation,
        metageneration: '1',
        contentType: metadata.contentType ?? 'application/octet-stream',
        size: String(bytes.length),
        md5Hash: createHash('md5').update(bytes).digest('base64'),
        crc32c: crc32c(bytes),
        timeCreated: new Date().toISOString(),
        ...(metadata.metadata ? { metadata: metadata.metadata } : {}),
      },
    };
    objects.set(name, stored);
    return json(200, stored.metadata);
  }

  private read(request: LabRequest, bucket: string, name: string): LabResponse {
    const found = this.objects(bucket).get(name);
    if (!found) throw new HttpError(googleError(404, `No such object: ${bucket}/${name}`));
    if (request.query.get('alt') === 'media') return { status: 200, body: found.bytes, headers: { 'content-type': String(found.metadata.contentType) } };
    return json(200, found.metadata);
  }
}

/** The parts of a multipart/related body, bytes exact (media may be binary). */
function multipartParts(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new HttpError(googleError(400, 'multipart upload without a boundary'));
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      let content = part.subarray(headerEnd + 4);
      if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
      parts.push(content);
    }
    start = next;
  }
  return parts;
}

const castagnoli = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});

/** CRC32C as Cloud Storage reports it: big-endian, base64. */
function crc32c(bytes: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = castagnoli[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}
