import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { startTracing, type Tracing } from '../../src/worker/tracing';
import type { investigateCase } from '../../src/workflows/investigate-case';

/** One case, one trace: intake, the workflow and its activities, received by a real OTLP/HTTP endpoint. */

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
}

let receiver: Server;
const spans: ReceivedSpan[] = [];
let contentTypes = new Set<string>();
let rig: CaseRig;
let tracing: Tracing;

type AnyValue = { stringValue?: string };
interface ExportRequest {
  resourceSpans: { resource: { attributes: { key: string; value: AnyValue }[] }; scopeSpans: { spans: Omit<ReceivedSpan, 'service'>[] }[] }[];
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      contentTypes.add(String(request.headers['content-type']));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ExportRequest;
      for (const resource of body.resourceSpans) {
        const service = resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const scope of resource.scopeSpans) for (const span of scope.spans) spans.push({ traceId: span.traceId, spanId: span.spanId, ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}), name: span.name, service });
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  tracing = startTracing({ otlpEndpoint: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`, serviceName: 'scc-responder-test' });
  rig = await startCaseRig({}, { tracing });
  await rig.startWorker();
}, 180_000);

afterAll(async () => {
  await rig?.stop();
  await tracing?.shutdown();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

test('a case is one trace from intake through the workflow to every activity, containment included', async () => {
  contentTypes = new Set();
  const { workflowId, runId } = await rig.ingest(rig.finding('Added Binary Executed', 'gke'));
  const ready = await rig.waitForStatus(workflowId, runId, 'awaiting-decision');
  const handle = rig.env.client.workflow.getHandle<typeof investigateCase>(workflowId, runId);
  await rig.decide(handle, { decision: 'approve', approver: approvers.secops, planHash: ready.plan!.hash });
  await handle.result();
  await tracing.shutdown();

  const intake = spans.find((s) => s.name === 'SignalWithStartWorkflow:investigateCase');
  expect(intake).toBeDefined();
  const trace = spans.filter((s) => s.traceId === intake!.traceId);
  const names = new Set(trace.map((s) => s.name));
  expect([...names]).toEqual(expect.arrayContaining(['SignalWithStartWorkflow:investigateCase', 'RunWorkflow:investigateCase', 'StartActivity:captureEvidence', 'RunActivity:captureEvidence', 'StartActivity:applyAction', 'RunActivity:applyAction']));
  // Every span but the intake's has its parent in the same trace: nothing is orphaned.
  const ids = new Set(trace.map((s) => s.spanId));
  expect(trace.filter((s) => s !== intake && !ids.has(s.parentSpanId ?? ''))).toEqual([]);
  const runs = trace.filter((s) => s.name.startsWith('RunActivity:'));
  expect(runs.length).toBeGreaterThanOrEqual(7);
  for (const run of runs) expect(trace.find((s) => s.spanId === run.parentSpanId)?.name).toBe(run.name.replace('RunActivity:', 'StartActivity:'));
  expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['scc-responder-test']));
  expect([...contentTypes]).toEqual(['application/json']);
});
