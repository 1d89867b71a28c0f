import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers in tests log only what needs a look; SCC_TEST_LOG_LEVEL=DEBUG brings the rest back.
const level = (process.env.SCC_TEST_LOG_LEVEL ?? 'WARN') as 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
Runtime.install({ logger: new DefaultLogger(level) });
