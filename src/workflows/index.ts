export { workerHealthCheck } from './worker-health-check';
