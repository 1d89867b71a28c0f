/**
 * Naming rules of Kubernetes and Google Cloud. Everything taken from a finding that will later
 * name an API object (and so end up in a URL or a query) is checked against these first.
 */
export interface NameRule {
  readonly description: string;
  test(value: string): boolean;
}

function rule(description: string, pattern: RegExp, maxLength: number): NameRule {
  return { description, test: (value) => value.length <= maxLength && pattern.test(value) };
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const nameRules = {
  /** Namespaces and container names. */
  kubernetesLabel: rule('a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)', dnsLabel, 63),
  /** Pod and node names. */
  kubernetesSubdomain: rule(
    'a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", at most 253 characters)',
    dnsSubdomain,
    253,
  ),
  projectId: rule(
    'a Google Cloud project ID (6 to 30 lowercase letters, digits and "-", starting with a letter; optionally "domain:" first)',
    /^([a-z][-a-z0-9.]{0,62}[a-z0-9]:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$/,
    94,
  ),
  projectNumber: rule('a Google Cloud project number (digits)', /^[1-9][0-9]{0,19}$/, 20),
  location: rule(
    'a Google Cloud region or zone (such as us-central1 or europe-west4-b)',
    /^[a-z]+(-[a-z]+)+[0-9]+(-[a-z])?$/,
    63,
  ),
  bucket: rule('a Cloud Storage bucket name (lowercase letters, digits, "-", "_" and ".", 3 to 63 characters)', /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/, 63),
  gkeCluster: rule('a GKE cluster name (lowercase letters, digits and "-", at most 40 characters)', /^[a-z]([-a-z0-9]*[a-z0-9])?$/, 40),
  cloudRunService: rule('a Cloud Run service name (lowercase letters, digits and "-", at most 49 characters)', /^[a-z]([-a-z0-9]*[a-z0-9])?$/, 49),
  cloudRunRevision: rule('a Cloud Run revision name (lowercase letters, digits and "-", at most 63 characters)', /^[a-z]([-a-z0-9]*[a-z0-9])?$/, 63),
  cloudRunJob: rule('a Cloud Run job name (lowercase letters, digits and "-", at most 63 characters)', /^[a-z]([-a-z0-9]*[a-z0-9])?$/, 63),
  cloudRunExecution: rule('a Cloud Run execution name (lowercase letters, digits and "-", at most 63 characters)', /^[a-z]([-a-z0-9]*[a-z0-9])?$/, 63),
  sha256: rule('a SHA-256 digest (64 hexadecimal digits)', /^[0-9a-f]{64}$/, 64),
  imageDigest: rule('an image digest (sha256: and 64 hexadecimal digits)', /^sha256:[0-9a-f]{64}$/, 71),
  serviceAccountEmail: rule('a Google service account e-mail (NAME@PROJECT.iam.gserviceaccount.com or another gserviceaccount.com domain)', /^[a-z0-9][a-z0-9-]{0,62}@[a-z0-9][a-z0-9.-]{0,100}\.gserviceaccount\.com$/, 180),
  /**
   * An OCI image reference: [registry[:port]/]repository[:tag][@digest]. Deliberately strict:
   * it will be shown to approvers and used to rebuild, so nothing but the grammar passes.
   */
  imageUri: rule(
    'a container image reference (registry/repository[:tag][@sha256:digest])',
    /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]{1,5})?(\/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$/,
    1024,
  ),
} as const;

export type NameRuleId = keyof typeof nameRules;

/**
 * An absolute path as the kernel reports it. Any byte but NUL may appear in a Linux file name,
 * and attackers choose theirs, so spaces and shell metacharacters are legitimate data here (it is
 * only ever passed as one argv element); "." and ".." segments are not, as a detector reports
 * resolved paths, and they would let a path step outside the container's root.
 */
export function checkAbsolutePath(value: string, maxBytes: number): string | undefined {
  if (!value.startsWith('/')) return 'must be an absolute path';
  if (value.includes('\0')) return 'must not contain NUL';
  if (Buffer.byteLength(value) > maxBytes) return `must be at most ${maxBytes} bytes`;
  if (value.split('/').some((segment) => segment === '.' || segment === '..')) {
    return 'must not contain "." or ".." segments';
  }
  return undefined;
}
