import { HttpError, googleError } from './http';

/** Opaque page tokens over an offset, with the page-size caps of Google list APIs. */
export function page<T>(items: T[], pageSize: unknown, pageToken: unknown, maxPageSize: number): { items: T[]; nextPageToken?: string } {
  const size = Math.min(Number(pageSize) > 0 ? Number(pageSize) : maxPageSize, maxPageSize);
  let offset = 0;
  if (typeof pageToken === 'string' && pageToken !== '') {
    const decoded = Number(Buffer.from(pageToken, 'base64url').toString('utf8').replace(/^offset:/, ''));
    if (!Number.isInteger(decoded) || decoded < 0) throw new HttpError(googleError(400, 'Invalid page token.'));
    offset = decoded;
  }
  const slice = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(`offset:${offset + size}`).toString('base64url') : undefined;
  return next ? { items: slice, nextPageToken: next } : { items: slice };
}
