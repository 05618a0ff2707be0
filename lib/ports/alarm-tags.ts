/** Reads an alarm's tags (they are not part of the alarm state change event). */
export interface AlarmTags {
  tagsOf(alarmArn: string): Promise<Record<string, string>>;
}
