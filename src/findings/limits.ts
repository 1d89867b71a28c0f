/**
 * Caps on what intake keeps from an untrusted finding. The normalized finding travels in
 * Temporal payloads and histories, so it stays small; the raw text is kept whole, aside, for
 * the case record.
 */
export const intakeLimits = {
  /** Pub/Sub caps a message at 10 MB; anything larger did not come from SCC. */
  rawBytes: 16 * 1024 * 1024,
  jsonDepth: 64,
  scriptContentsBytes: 16 * 1024,
  argsBytesPerProcess: 8 * 1024,
  processes: 16,
  indicatorsPerKind: 256,
  contacts: 64,
  categoryChars: 256,
  descriptionBytes: 8 * 1024,
  pathBytes: 4096,
  imageUriChars: 1024,
  uriChars: 2048,
} as const;
