import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { runCommand } from './exec-commands';
import type { KubeCluster } from './kube-cluster';
import { KubeError } from './kube-store';

/**
 * `exec` over the websocket channel protocol (v4/v5.channel.k8s.io): each binary frame starts
 * with its channel, 1 stdout, 2 stderr, 3 the final Status. What kubectl and the client both speak.
 */

const protocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const chunkBytes = 32 * 1024;

const server = new WebSocketServer({
  noServer: true,
  handleProtocols: (offered) => protocols.find((protocol) => offered.has(protocol)) ?? false,
});

export interface ExecTarget {
  namespace: string;
  pod: string;
}

/** Answers an upgrade request on …/pods/NAME/exec; refusals go back as HTTP Status, before upgrading. */
export function handleExecUpgrade(
  cluster: KubeCluster,
  target: ExecTarget,
  query: URLSearchParams,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  let command: string[];
  let run: () => ReturnType<typeof runCommand>;
  try {
    const pod = cluster.store.mustGet('pods', target.namespace, target.pod);
    const spec = pod.spec as { containers: { name: string }[]; ephemeralContainers?: { name: string }[] };
    const names = [...spec.containers, ...(spec.ephemeralContainers ?? [])].map((c) => c.name);
    const container = query.get('container') ?? (spec.containers.length === 1 ? spec.containers[0]!.name : '');
    if (!container) throw new KubeError(400, 'BadRequest', `a container name must be specified for pod ${target.pod}, choose one of: [${names.join(' ')}]`);
    if (!names.includes(container)) throw new KubeError(400, 'BadRequest', `container ${container} is not valid for pod ${target.pod}`);
    if ((pod.status as { phase?: string }).phase !== 'Running') {
      throw new KubeError(400, 'BadRequest', `cannot exec into a container in a completed pod; current phase is ${(pod.status as { phase?: string }).phase}`);
    }
    const runtime = cluster.runtime(pod.metadata.uid, container);
    if (!runtime) throw new KubeError(400, 'BadRequest', `container ${container} is not running`);
    command = query.getAll('command');
    if (command.length === 0) throw new KubeError(400, 'BadRequest', 'you must specify at least 1 command');
    run = () => runCommand(command, { self: runtime, container: (name) => cluster.runtime(pod.metadata.uid, name) });
  } catch (error) {
    const failure = error instanceof KubeError ? error : new KubeError(500, 'InternalError', String(error));
    const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: failure.message, reason: failure.reason, code: failure.code });
    socket.end(`HTTP/1.1 ${failure.code} ${failure.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return;
  }
  server.handleUpgrade(request, socket, head, (ws) => {
    void stream(ws, query, command, run);
  });
}

async function stream(ws: WebSocket, query: URLSearchParams, command: string[], run: () => ReturnType<typeof runCommand>): Promise<void> {
  const send = (channel: number, data: Buffer) => {
    for (let offset = 0; offset < data.length; offset += chunkBytes) {
      ws.send(Buffer.concat([Buffer.from([channel]), data.subarray(offset, offset + chunkBytes)]));
    }
  };
  const outcome = await run();
  let status: object;
  if (!outcome.started) {
    status = {
      metadata: {},
      status: 'Failure',
      message: `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec: ${outcome.message}`,
      reason: 'InternalError',
      details: { causes: [{ message: outcome.message }] },
      code: 500,
    };
  } else {
    if (query.get('stdout') !== 'false' && query.get('stdout') !== '0') send(1, outcome.stdout);
    if (query.get('stderr') !== 'false' && query.get('stderr') !== '0') send(2, outcome.stderr);
    status =
      outcome.exitCode === 0
        ? { metadata: {}, status: 'Success' }
        : {
            metadata: {},
            status: 'Failure',
            message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${outcome.exitCode}`,
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: String(outcome.exitCode) }] },
          };
  }
  send(3, Buffer.from(JSON.stringify(status)));
  ws.close(1000);
}
