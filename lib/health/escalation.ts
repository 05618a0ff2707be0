/**
 * Escalation to a person, once. Pure.
 *
 * When remediation has nothing left to try for a confirmed alarm (`exhausted`: every fitting action was
 * tried within the escalation window and the alarm persists; `noSafeAction`: no action fits), meshplane
 * opens an escalation for the service: one `RemediationEscalated` event saying what was tried and what a
 * person should do. While it is open, signals about the escalated conditions are neither acted on nor
 * written to the audit trail (a crash loop's condition flickers between ALARM and OK as the pods restart,
 * which used to write two events every probe). It ends when something changes:
 * - the service record changes (a deploy, rollback, spec update, restart or placement: its version moves);
 * - or an escalated condition has not alarmed for `quietSeconds`; its next alarm starts a new episode.
 */
import type { HealthSignal, SignalKind } from './health-signal.js';

/** An open escalation of one service. */
export interface Escalation {
  openedAt: string;
  /** The service record's version when it was opened: any later change ends it. */
  serviceVersion: number;
  /** Escalated conditions (signal key, plus node) → when each last alarmed. */
  conditions: Record<string, string>;
}

export interface EscalationGate {
  /** True: say and do nothing about this signal. */
  silent: boolean;
  /** The escalation after this signal (undefined: none is open). */
  escalation: Escalation | undefined;
}

/** Whether a signal about `condition` falls under the open escalation, and the escalation after it. */
export function gateSignal(
  signal: Pick<HealthSignal, 'state' | 'observedAt'>,
  condition: string,
  escalation: Escalation | undefined,
  serviceVersion: number | undefined,
  now: string,
  quietSeconds: number,
): EscalationGate {
  if (!escalation) return { silent: false, escalation };
  if (serviceVersion === undefined || serviceVersion !== escalation.serviceVersion) return { silent: false, escalation: undefined };
  const lastAlarm = escalation.conditions[condition];
  if (lastAlarm === undefined) return { silent: false, escalation };
  if (signal.state === 'OK') return { silent: true, escalation };
  if (Date.parse(now) - Date.parse(lastAlarm) >= quietSeconds * 1_000) {
    const { [condition]: _ended, ...conditions } = escalation.conditions;
    return { silent: false, escalation: Object.keys(conditions).length > 0 ? { ...escalation, conditions } : undefined };
  }
  return { silent: true, escalation: { ...escalation, conditions: { ...escalation.conditions, [condition]: now } } };
}

/** What a person should do about a condition meshplane could not fix, by signal kind. */
export function adviceFor(kind: SignalKind, service: { name: string; namespace: string }): string {
  const logs = `kubectl logs -n ${service.namespace} deploy/${service.name} --previous`;
  const fix = `deploy a fixed image (meshplane deploy ${service.name} --image …) or roll back to a revision that worked (meshplane rollback ${service.name})`;
  switch (kind) {
    case 'crashLoop':
    case 'unavailable':
      return `read why the containers exit (${logs}; kubectl describe pod for OOMKilled or a failing probe), then ${fix}`;
    case 'pending':
      return `the pods cannot be scheduled: add nodes or capacity, or lower the service's resource requests or replicas (kubectl describe pod shows why)`;
    case 'errorRate':
    case 'latency':
      return `check the service's dependencies and its recent changes in the metrics, then ${fix}`;
    case 'nodeNotReady':
      return 'check the node (kubectl describe node) and replace it if it does not recover';
    default:
      return `look at the service (${logs}) and ${fix}`;
  }
}

/** The one event that opens an escalation: what persists, what was tried, and what a person should do. */
export function escalationMessage(
  signal: Pick<HealthSignal, 'kind' | 'track' | 'reason'>,
  service: { name: string; namespace: string },
  tried: readonly string[],
  quietSeconds: number,
): string {
  const what = `${signal.kind}${signal.track ? ` on the ${signal.track} track` : ''} of ${service.name} persists (${signal.reason ?? 'no detail'})`;
  const attempts = tried.length > 0 ? `meshplane tried ${tried.join(', ')} and has nothing left to try` : 'no automatic remediation fits it';
  return (
    `${what}; ${attempts}. A person should ${adviceFor(signal.kind, service)}. ` +
    `meshplane stays quiet about it until the service changes or the condition has been clear for ${quietSeconds} s.`
  );
}
