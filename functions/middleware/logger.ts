import { Logger } from '@aws-lambda-powertools/logger';

const loggers = new Map<string, Logger>();

/**
 * One structured JSON logger per function (Powertools), named after it: the same instance for every
 * caller, so the Lambda context and correlation id the entry's middleware adds are on every line the
 * handler logs.
 */
export function createLogger(serviceName: string): Logger {
  let logger = loggers.get(serviceName);
  if (!logger) {
    logger = new Logger({ serviceName, logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' });
    loggers.set(serviceName, logger);
  }
  return logger;
}
