import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarmTags } from '../adapters/cloudwatch/cloudwatch-alarm-tags.js';
import type { AlarmTags } from '../ports/alarm-tags.js';
import type { RuntimeConfig } from './runtime-config.js';

/**
 * CloudWatch alarm tags, only on AWS: LocalStack and the emulators have no alarms to tag (the alarm
 * intake). A file of its own so the intake's bundle does not reach the other optional clients.
 */
export function cloudWatchAlarmTags(config: RuntimeConfig): AlarmTags | undefined {
  return config.endpoint || config.endpoints?.dynamodb ? undefined : new CloudWatchAlarmTags(new CloudWatchClient({ region: config.region, maxAttempts: 3 }));
}
