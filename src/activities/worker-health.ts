import { hostname } from 'node:os';

export interface WorkerHealth {
  pid: number;
  hostname: string;
  nodeVersion: string;
  uptimeSeconds: number;
}

/** Reports which worker process ran it, so a health check proves a live worker served the queue. */
export async function describeWorker(): Promise<WorkerHealth> {
  return {
    pid: process.pid,
    hostname: hostname(),
    nodeVersion: process.version,
    uptimeSeconds: Math.round(process.uptime()),
  };
}
