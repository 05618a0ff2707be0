import { ListTagsForResourceCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { TerminalError, TransientError } from '../../errors.js';
import type { AlarmTags } from '../../ports/alarm-tags.js';

/** Alarm tags from CloudWatch's ListTagsForResource. */
export class CloudWatchAlarmTags implements AlarmTags {
  constructor(private readonly client: CloudWatchClient) {}

  async tagsOf(alarmArn: string): Promise<Record<string, string>> {
    try {
      const res = await this.client.send(new ListTagsForResourceCommand({ ResourceARN: alarmArn }));
      return Object.fromEntries((res.Tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));
    } catch (err) {
      const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode ?? 0;
      if (status === 429 || status >= 500 || /Throttl/i.test(`${e.name}`))
        throw new TransientError(`CloudWatch ListTagsForResource: ${e.message ?? e.name}`, { cause: err });
      throw new TerminalError(`CloudWatch ListTagsForResource refused ${alarmArn}: ${e.message ?? e.name}`, { cause: err });
    }
  }
}
