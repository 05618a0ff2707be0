import { RemediationPolicy } from '../health/remediation-policy.js';
import type { AlarmTags } from '../ports/alarm-tags.js';
import { convergeLater } from '../usecases/clusters/converge-later.js';
import type { RemediationDeps } from '../usecases/health/health-deps.js';
import { createCore, type CoreApp } from './create-core.js';
import { cloudWatchAlarmTags } from './alarm-tags-client.js';
import type { RuntimeConfig } from './runtime-config.js';

/**
 * What the alarm intake (on-health-alarm) composes: the core (store, queues, clock), the remediation
 * policy, CloudWatch alarm tags, and a converger that queues `service.converge` for the cluster side.
 * No cluster client and no metrics source: it decides from what the health probe last observed, so its
 * bundle carries no Kubernetes client and its role holds no cluster access.
 */
export interface AlarmIntakeApp extends CoreApp, RemediationDeps {}

/** The intake over an existing core (the local runtime shares its core with the other handlers). */
export function alarmIntakeOf(core: CoreApp, options: { remediationPolicy?: RemediationPolicy; alarmTags?: AlarmTags } = {}): AlarmIntakeApp {
  // Only the core's own parts: a caller may pass a fuller app (the local runtime's), whose clients the intake must not reach.
  const { config, store, queue, deadLetters, clock } = core;
  return {
    config,
    store,
    queue,
    deadLetters,
    clock,
    converger: convergeLater({ queue, clock }),
    remediationPolicy: options.remediationPolicy ?? RemediationPolicy.parse(config.remediationPolicy ?? {}),
    alarmTags: options.alarmTags,
  };
}

/** The alarm intake on Lambda: plus CloudWatch alarm tags (the third way an alarm names its service). */
export function composeAlarmIntake(config: RuntimeConfig): AlarmIntakeApp {
  return alarmIntakeOf(createCore(config), { alarmTags: cloudWatchAlarmTags(config) });
}
