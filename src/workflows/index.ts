export { workerHealthCheck } from './worker-health-check';
export { investigateCase } from './investigate-case';
export { revertCase } from './revert-case';
