import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { currentPod } from '../actions/current-pod';
import type { FileReport, Finding, GkeSubject } from '../findings/model';
import type { ActivityDeps } from './deps';
import { classified } from './failures';

export type HashCheck = 'match' | 'partial-match' | 'mismatch' | 'no-reference' | 'truncated';

interface Wanted {
  path: string;
  kind: 'binary' | 'script';
  report: FileReport;
  pid?: number;
  /** SHA-256 of the raw finding that named the file: the artifact's parent in the chain of custody. */
  namedBy: string;
}

/**
 * Step 5: copy what ran out of the running container (never through a shell: `cat` with the path
 * as one argument), hash it while it streams, compare with the finding, store it write-once.
 */
export function captureActivities({ clients, store, evidence, collector, maxArtifactBytes, captureImage }: ActivityDeps) {
  return {
    async captureEvidence(input: { caseId: string; subject: GkeSubject; findings: Finding[] }): Promise<{ summary: string; sha256s: string[] }> {
      return classified(async () => {
        const { subject } = input;
        const kube = clients.kubernetes({ project: subject.projectId, location: subject.location, name: subject.cluster });
        const wanted = filesToCapture(input.findings);
        if (wanted.length === 0) return { summary: 'the findings name no file on disk to capture', sha256s: [] };
        const pod = await currentPod(kube, subject.namespace, subject.pod);
        if (!pod) {
          await note(input.caseId, { outcome: 'container-gone', detail: `pod ${subject.namespace}/${subject.pod} no longer exists` });
          return { summary: `the pod is gone: nothing left to capture (${wanted.length} file(s) named)`, sha256s: [] };
        }
        const container = pod.containers.find((c) => c.name === subject.container);
        if (!container?.running) {
          await note(input.caseId, { outcome: 'container-not-running', detail: `container ${subject.container} is not running` });
          return { summary: `container ${subject.container} is not running: nothing to capture`, sha256s: [] };
        }
        const captured: string[] = [];
        const outcomes: string[] = [];
        // Images without a shell get an ephemeral container sharing the suspect's process namespace.
        let helper: string | undefined;
        for (const file of wanted) {
          Context.current().heartbeat(file.path);
          let result = helper ? undefined : await kube.execute(subject.namespace, subject.pod, subject.container, ['cat', file.path], maxArtifactBytes);
          let method = 'exec cat';
          if (!result || result.notStarted) {
            if (file.pid === undefined) {
              outcomes.push(`${file.path}: no shell in the image and no pid to reach the file through /proc`);
              await note(input.caseId, { outcome: 'no-shell', path: file.path, detail: 'no pid in the finding' });
              continue;
            }
            helper ??= await ephemeralHelper(kube, subject, input.caseId);
            method = `ephemeral container ${helper} (${captureImage}) reading /proc/${file.pid}/root`;
            result = await kube.execute(subject.namespace, subject.pod, helper, ['cat', `/proc/${file.pid}/root${file.path}`], maxArtifactBytes);
          }
          if (result.notStarted) {
            outcomes.push(`${file.path}: could not be read (${result.notStarted.slice(0, 120)})`);
            await note(input.caseId, { outcome: 'no-shell', path: file.path, detail: result.notStarted });
            continue;
          }
          if (result.exitCode !== 0) {
            outcomes.push(`${file.path}: not readable (${result.stderr.trim() || `exit ${result.exitCode}`})`);
            await note(input.caseId, { outcome: 'file-gone', path: file.path, detail: result.stderr.trim() });
            continue;
          }
          const stored = await evidence.put(result.stdout);
          const check = hashCheck(result.stdout, result.stdoutTruncated, file.report);
          await store.addEvidence({
            id: `${input.caseId}:${file.kind}:${stored.sha256.slice(0, 16)}:${createHash('sha256').update(file.path).digest('hex').slice(0, 8)}`,
            caseId: input.caseId,
            kind: file.kind,
            sha256: result.stdoutSha256,
            size: result.stdoutBytes,
            source: { cluster: subject.cluster, namespace: subject.namespace, pod: subject.pod, podUid: pod.uid, container: subject.container, path: file.path, ...(file.pid ? { pid: file.pid } : {}), method },
            collector,
            collected_at: new Date().toISOString(),
            storage_path: stored.path,
            finding_sha256: file.report.sha256 ?? null,
            hash_check: check,
            parent_sha256: file.namedBy,
          });
          captured.push(result.stdoutSha256);
          outcomes.push(`${file.path}: ${result.stdoutBytes} bytes, sha256 ${result.stdoutSha256.slice(0, 12)}…, ${check}${helper ? ', through an ephemeral container' : ''}`);
        }
        return { summary: outcomes.join('; '), sha256s: [...new Set(captured)] };
      });

      /** One helper per case and pod, named so a retried capture reuses it rather than adding another. */
      async function ephemeralHelper(kube: ReturnType<typeof clients.kubernetes>, subject: GkeSubject, caseId: string): Promise<string> {
        const name = `scc-capture-${caseId.replace(/^case-/, '')}`;
        let pod = await kube.getPod(subject.namespace, subject.pod);
        if (!pod.ephemeralContainers.some((c) => c.name === name)) {
          pod = await kube.addEphemeralContainer(subject.namespace, subject.pod, { name, image: captureImage, targetContainerName: subject.container });
        }
        for (let attempt = 0; !pod.ephemeralContainers.find((c) => c.name === name)?.running; attempt++) {
          if (attempt >= 60) throw new Error(`ephemeral container ${name} did not start within 30 s`);
          Context.current().heartbeat(`waiting for ${name}`);
          await new Promise((resolve) => setTimeout(resolve, 500));
          pod = await kube.getPod(subject.namespace, subject.pod);
        }
        return name;
      }

      async function note(caseId: string, detail: Record<string, unknown>) {
        await store.addEvent(caseId, { key: `capture:${String(detail.path ?? 'pod')}`, at: new Date().toISOString(), kind: 'capture-gap', step: 'capture', outcome: String(detail.outcome), detail });
      }
    },
  };
}

/** Binaries and on-disk scripts the findings name (a `bash -c` script has no file). */
export function filesToCapture(findings: Finding[]): Wanted[] {
  const seen = new Set<string>();
  const wanted: Wanted[] = [];
  for (const finding of findings) {
    for (const process of finding.processes) {
      for (const [kind, report] of [['binary', process.binary], ['script', process.script]] as const) {
        if (!report?.path || seen.has(report.path)) continue;
        seen.add(report.path);
        wanted.push({ path: report.path, kind, report, ...(process.pid ? { pid: process.pid } : {}), namedBy: finding.intake.rawSha256 });
      }
    }
  }
  return wanted;
}

/** The finding may hash only a prefix (partiallyHashed): compare over that prefix only. */
export function hashCheck(bytes: Buffer, truncated: boolean, report: FileReport): HashCheck {
  if (!report.sha256) return truncated ? 'truncated' : 'no-reference';
  if (report.partiallyHashed && report.hashedSize !== undefined) {
    if (bytes.length < report.hashedSize) return truncated ? 'truncated' : 'mismatch';
    return createHash('sha256').update(bytes.subarray(0, report.hashedSize)).digest('hex') === report.sha256 ? 'partial-match' : 'mismatch';
  }
  if (truncated) return 'truncated';
  return createHash('sha256').update(bytes).digest('hex') === report.sha256 ? 'match' : 'mismatch';
}
