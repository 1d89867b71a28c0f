import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';

/**
 * OpenTelemetry tracing through the SDK's interceptors: intake starts a trace when it starts or
 * signals a case, the workflow's spans (exported through a sink, never during replay) and each
 * activity's span join it, and the whole trace goes to an OTLP/HTTP (JSON) collector.
 *
 * Without an endpoint nothing is intercepted: the workflow interceptors cost about 30% more
 * worker memory and 15% more time per case in the alert storm, so they are bundled only for a
 * worker that exports (`bundle --tracing`, or bundling at start). The span sink is always there,
 * so a traced bundle also runs on a worker that exports nothing.
 */

export const tracingWorkflowModules = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

export interface TracingSettings {
  /** The collector's base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans are posted to `/v1/traces`. */
  otlpEndpoint?: string;
  serviceName: string;
}

export interface Tracing {
  enabled: boolean;
  /** Worker options that trace activities and export workflow spans. */
  workerInterceptors: Pick<WorkerOptions, 'sinks'> & { interceptors: NonNullable<WorkerOptions['interceptors']> };
  /** Client interceptors that start a trace at intake and carry it into the workflow. */
  clientInterceptors: { workflow: OpenTelemetryWorkflowClientInterceptor[] };
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

const version = (JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;

export function startTracing(settings: TracingSettings): Tracing {
  const resource = new Resource({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_VERSION]: version });
  let processor: SpanProcessor = new NoopSpanProcessor();
  let provider: BasicTracerProvider | undefined;
  if (settings.otlpEndpoint) {
    const url = `${settings.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1000 });
    provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
    provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  }
  return {
    enabled: provider !== undefined,
    workerInterceptors: {
      interceptors: provider ? { activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })] } : {},
      sinks: { exporter: makeWorkflowExporter(processor, resource) },
    },
    clientInterceptors: { workflow: provider ? [new OpenTelemetryWorkflowClientInterceptor()] : [] },
    async shutdown() {
      await provider?.shutdown();
    },
  };
}

/** Tracing as the configuration and the standard OpenTelemetry variables ask for it. */
export function tracingFromEnv(env: NodeJS.ProcessEnv, fallbackService: string, configured?: { otlpEndpoint?: string; serviceName?: string }): TracingSettings {
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? configured?.otlpEndpoint;
  return { serviceName: env.OTEL_SERVICE_NAME ?? configured?.serviceName ?? fallbackService, ...(otlpEndpoint ? { otlpEndpoint } : {}) };
}
