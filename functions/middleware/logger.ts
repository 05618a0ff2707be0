import { Logger } from '@aws-lambda-powertools/logger';

/** One structured JSON logger per function (Powertools), named after it. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName, logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' });
}
