import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { currentPod } from '../actions/current-pod';
import type { FileReport, Finding, GkeSubject } from '../findings/model';
import type { ActivityDeps } from './deps';
import type { ExecResult } from '../cloud/kubernetes';
import { CloudError, TransientCloudError } from '../cloud/errors';
import { readProcessPicture, type FoundProcess, type ProcessPicture, type WantedProcess } from '../forensics/process-picture';
import { canonicalJson } from '../util/canonical-json';
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
    async captureEvidence(input: { caseId: string; subject: GkeSubject; findings: Finding[] }): Promise<CaptureResult> {
      return classified(async () => {
        const { subject } = input;
        const kube = clients.kubernetes({ project: subject.projectId, location: subject.location, name: subject.cluster });
        const wanted = filesToCapture(input.findings);
        const pod = await currentPod(kube, subject.namespace, subject.pod);
        if (!pod) {
          await note(input.caseId, { outcome: 'container-gone', detail: `pod ${subject.namespace}/${subject.pod} no longer exists` });
          return { summary: `the pod is gone: no live process to read and nothing left to capture (${wanted.length} file(s) named)`, sha256s: [], remoteAddresses: [] };
        }
        const container = pod.containers.find((c) => c.name === subject.container);
        if (!container?.running) {
          await note(input.caseId, { outcome: 'container-not-running', detail: `container ${subject.container} is not running` });
          return { summary: `container ${subject.container} is not running: nothing to capture`, sha256s: [], remoteAddresses: [] };
        }
        const captured: string[] = [];
        const outcomes: string[] = [];
        // Images without a shell get an ephemeral container sharing the suspect's process namespace.
        let helper: string | undefined;
        const where = () => (helper ? `ephemeral container ${helper} (${captureImage})` : `container ${subject.container}`);
        const run = async (argv: string[], maxBytes = 8 * 1024 * 1024) => {
          let result = await kube.execute(subject.namespace, subject.pod, helper ?? subject.container, argv, maxBytes);
          if (result.notStarted && !helper) {
            helper = await ephemeralHelper(kube, subject, input.caseId);
            result = await kube.execute(subject.namespace, subject.pod, helper, argv, maxBytes);
          }
          return result;
        };
        const namedBy = input.findings[0]!.intake.rawSha256;

        // Volatile first: connections and processes go before files do.
        Context.current().heartbeat('process picture');
        let picture: ProcessPicture | undefined;
        try {
          picture = await readProcessPicture(patiently(run), wantedProcesses(input.findings), input.findings[0]!.eventTime);
        } catch (error) {
          if (error instanceof CloudError) throw error;
          const reason = error instanceof Error ? error.message : String(error);
          outcomes.push(`process picture: not read (${reason.slice(0, 160)})`);
          await note(input.caseId, { outcome: 'no-process-picture', path: 'process-picture', detail: reason });
        }
        if (picture) {
          const bytes = Buffer.from(canonicalJson(picture));
          const stored = await evidence.put(bytes);
          await store.addEvidence({
            id: `${input.caseId}:process-picture:${stored.sha256.slice(0, 16)}`,
            caseId: input.caseId,
            kind: 'process-picture',
            sha256: stored.sha256,
            size: bytes.length,
            source: { cluster: subject.cluster, namespace: subject.namespace, pod: subject.pod, podUid: pod.uid, container: subject.container, method: `${where()}: ls, cat and readlink of /proc, read at ${picture.readAt}` },
            collector,
            collected_at: new Date().toISOString(),
            storage_path: stored.path,
            finding_sha256: null,
            hash_check: 'no-reference',
            parent_sha256: namedBy,
          });
          const peers = picture.remoteAddresses.length ? `, talking to ${picture.remoteAddresses.join(', ')}` : '';
          outcomes.push(`process picture: ${picture.processes.length} process(es), ${picture.connections.length} connection(s)${peers}`);
        }
        if (wanted.length === 0) outcomes.push('the findings name no file on disk to capture');

        for (const file of wanted) {
          Context.current().heartbeat(file.path);
          const read = await readFile(file, picture?.found.find((f) => f.wanted.path === file.path));
          if ('gap' in read) {
            outcomes.push(`${file.path}: ${read.gap}`);
            await note(input.caseId, { outcome: read.outcome, path: file.path, detail: read.detail });
            continue;
          }
          const { result, method, pid } = read;
          const stored = await evidence.put(result.stdout);
          const check = hashCheck(result.stdout, result.stdoutTruncated, file.report);
          await store.addEvidence({
            id: `${input.caseId}:${file.kind}:${stored.sha256.slice(0, 16)}:${createHash('sha256').update(file.path).digest('hex').slice(0, 8)}`,
            caseId: input.caseId,
            kind: file.kind,
            sha256: result.stdoutSha256,
            size: result.stdoutBytes,
            source: { cluster: subject.cluster, namespace: subject.namespace, pod: subject.pod, podUid: pod.uid, container: subject.container, path: file.path, ...(pid ? { pid } : {}), method },
            collector,
            collected_at: new Date().toISOString(),
            storage_path: stored.path,
            finding_sha256: file.report.sha256 ?? null,
            hash_check: check,
            parent_sha256: file.namedBy,
          });
          captured.push(result.stdoutSha256);
          outcomes.push(`${file.path}: ${result.stdoutBytes} bytes, sha256 ${result.stdoutSha256.slice(0, 12)}…, ${check}, by ${method}`);
        }
        return { summary: outcomes.join('; '), sha256s: [...new Set(captured)], remoteAddresses: picture?.remoteAddresses ?? [] };

        /**
         * The file by its path; when that is gone (deleted after it ran), the executable the
         * running process still maps, through /proc/PID/exe. Never through a shell.
         */
        async function readFile(file: Wanted, process: FoundProcess | undefined): Promise<{ result: ExecResult; method: string; pid?: number } | { gap: string; outcome: string; detail: string }> {
          const pid = process?.pid ?? file.pid;
          const direct = helper ? undefined : await kube.execute(subject.namespace, subject.pod, subject.container, ['cat', file.path], maxArtifactBytes);
          if (direct && !direct.notStarted && direct.exitCode === 0) return { result: direct, method: `exec cat ${file.path} in container ${subject.container}`, ...(pid ? { pid } : {}) };
          if (!direct || direct.notStarted) {
            if (pid === undefined) return { gap: 'no shell in the image and no running process to reach the file through /proc', outcome: 'no-shell', detail: 'no pid in the finding and no process found' };
            helper ??= await ephemeralHelper(kube, subject, input.caseId);
            const viaRoot = await kube.execute(subject.namespace, subject.pod, helper, ['cat', `/proc/${pid}/root${file.path}`], maxArtifactBytes);
            if (viaRoot.notStarted) return { gap: `could not be read (${viaRoot.notStarted.slice(0, 120)})`, outcome: 'no-shell', detail: viaRoot.notStarted };
            if (viaRoot.exitCode === 0) return { result: viaRoot, method: `ephemeral container ${helper} (${captureImage}) reading /proc/${pid}/root${file.path}${found(process)}`, pid };
          }
          const why = direct?.stderr.trim() || 'not readable';
          if (!process || pid === undefined) return { gap: `not readable (${why}), and no running process maps it`, outcome: 'file-gone', detail: why };
          const deleted = process.exe?.deleted ? `the file at ${file.path} was deleted after it started, ` : '';
          const exe = await run(['cat', `/proc/${pid}/exe`], maxArtifactBytes);
          if (exe.notStarted || exe.exitCode !== 0) return { gap: `not readable (${why}), nor through /proc/${pid}/exe (${exe.notStarted ?? exe.stderr.trim() ?? `exit ${exe.exitCode}`})`, outcome: 'file-gone', detail: why };
          return { result: exe, method: `${where()}: cat /proc/${pid}/exe (${deleted}read from the running process)${found(process)}`, pid };
        }
      });

      function found(process: FoundProcess | undefined): string {
        return process && !process.how.endsWith('as the finding gives it') ? `; ${process.how}` : '';
      }

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

/**
 * The picture is many small reads; one refused stream should not cost all of them (nor the
 * evidence, while the process still lives): each read is retried a few times, briefly.
 */
function patiently(run: (argv: string[]) => Promise<ExecResult>): (argv: string[]) => Promise<ExecResult> {
  return async (argv) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run(argv);
      } catch (error) {
        if (!(error instanceof TransientCloudError) || attempt >= 4) throw error;
        Context.current().heartbeat(`retrying ${argv[0]} after: ${error.message.slice(0, 80)}`);
        await new Promise((resolve) => setTimeout(resolve, 150 * attempt));
      }
    }
  };
}

export interface CaptureResult {
  summary: string;
  /** The SHA-256 of every file captured: for VirusTotal. */
  sha256s: string[];
  /** Peers of the suspect processes outside the pod: for VirusTotal's IP reports. */
  remoteAddresses: string[];
}

/** The processes the findings name: the pid they give and the executable. */
export function wantedProcesses(findings: Finding[]): WantedProcess[] {
  const seen = new Set<string>();
  return findings.flatMap((finding) =>
    finding.processes.flatMap((process) => {
      const key = `${process.pid ?? ''}:${process.binary?.path ?? ''}`;
      if (seen.has(key) || (!process.pid && !process.binary?.path)) return [];
      seen.add(key);
      return [{ ...(process.pid ? { pid: process.pid } : {}), ...(process.binary?.path ? { path: process.binary.path } : {}) }];
    }),
  );
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
