import type { FileReport, Finding } from './model';

/**
 * What makes findings on many pods one incident: the same script or binary (its SHA-256), or,
 * when the finding names no hash, the same image (its digest) with the same category. A script
 * comes before the binary that ran it: the binary of a script is its interpreter, which every
 * pod of every image shares, while the script is what was dropped.
 */

export type CampaignIndicatorKind = 'script-sha256' | 'binary-sha256' | 'image-digest';

export interface CampaignKey {
  /** Stable and unique per indicator: what the case store groups on. */
  key: string;
  kind: CampaignIndicatorKind;
  /** The hash or digest itself, as shown to people. */
  indicator: string;
  /** Only for an image: the same image running something else is another incident. */
  category?: string;
}

/** A hash of the first bytes only says so in the key: a whole-file hash never equals a prefix's. */
function hashOf(file: FileReport | undefined): string | undefined {
  if (!file?.sha256) return undefined;
  return file.partiallyHashed && file.hashedSize !== undefined ? `${file.sha256}/first-${file.hashedSize}` : file.sha256;
}

export function campaignKeyOf(finding: Finding): CampaignKey | undefined {
  for (const process of finding.processes) {
    const script = hashOf(process.script);
    if (script) return { key: `script-sha256:${script}`, kind: 'script-sha256', indicator: process.script!.sha256! };
  }
  for (const process of finding.processes) {
    const binary = hashOf(process.binary);
    if (binary) return { key: `binary-sha256:${binary}`, kind: 'binary-sha256', indicator: process.binary!.sha256! };
  }
  const digest = finding.subject.imageDigest;
  if (digest) return { key: `image-digest:${digest}|${finding.category}`, kind: 'image-digest', indicator: digest, category: finding.category };
  return undefined;
}
