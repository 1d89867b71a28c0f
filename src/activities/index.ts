export * from './worker-health';
