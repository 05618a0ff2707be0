/**
 * What the API server does to an object between decoding and storing it: fill defaults (Deployment
 * strategy and replicas, Service clusterIP, Pod phase) and reject objects that a real API server would
 * refuse as Invalid (422). Only the checks the simulation relies on are made.
 */
import { type StatusCause, invalid } from './api-errors.js';
import type { ResourceType } from './resource-types.js';
import { matchesLabelSelector, type LabelSelectorSpec } from './selectors.js';
import { type KubeObj, isPlainObject } from './sim-types.js';
import { parseQuantity } from './quantity.js';

type Obj = Record<string, unknown>;

/** Hands out Service cluster IPs from 10.96.0.0/12. */
export class ClusterIpAllocator {
  private next = 10;
  allocate(): string {
    const n = this.next++;
    return `10.96.${Math.floor(n / 250) % 256}.${(n % 250) + 1}`;
  }
}

/** Fills server-side defaults in place. */
export function applyDefaults(type: ResourceType, object: KubeObj, ips: ClusterIpAllocator): void {
  switch (type.kind) {
    case 'Deployment': {
      const spec = (object.spec ??= {}) as Obj;
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      const strategy = (spec.strategy ??= {}) as Obj;
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const rolling = (strategy.rollingUpdate ??= {}) as Obj;
        rolling.maxSurge ??= '25%';
        rolling.maxUnavailable ??= '25%';
      }
      const template = spec.template as Obj | undefined;
      if (isPlainObject(template?.spec)) defaultPodSpec(template.spec);
      break;
    }
    case 'Pod': {
      if (isPlainObject(object.spec)) defaultPodSpec(object.spec);
      const status = (object.status ??= {}) as Obj;
      status.phase ??= 'Pending';
      break;
    }
    case 'Service': {
      const spec = (object.spec ??= {}) as Obj;
      spec.type ??= 'ClusterIP';
      if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = ips.allocate();
      spec.clusterIPs ??= [spec.clusterIP];
      spec.sessionAffinity ??= 'None';
      for (const port of (spec.ports as Obj[] | undefined) ?? []) {
        port.protocol ??= 'TCP';
        port.targetPort ??= port.port;
      }
      break;
    }
    case 'Namespace': {
      object.spec ??= { finalizers: ['kubernetes'] };
      object.status ??= { phase: 'Active' };
      const labels = (object.metadata.labels ??= {});
      labels['kubernetes.io/metadata.name'] = object.metadata.name;
      break;
    }
    case 'ServiceAccount':
    case 'ConfigMap':
    case 'Event':
    default:
      break;
  }
}

function defaultPodSpec(spec: Obj): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  for (const c of (spec.containers as Obj[] | undefined) ?? []) {
    c.imagePullPolicy ??= typeof c.image === 'string' && c.image.endsWith(':latest') ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
  }
}

/** Rejects objects a real API server would refuse (422 Invalid). */
export function validateObject(type: ResourceType, object: KubeObj): void {
  const causes: StatusCause[] = [];
  const containers = (spec: unknown, path: string) => {
    const list = isPlainObject(spec) ? spec.containers : undefined;
    if (!Array.isArray(list) || list.length === 0) {
      causes.push({ field: `${path}.containers`, message: 'Required value', reason: 'FieldValueRequired' });
      return;
    }
    list.forEach((c: Obj, i) => {
      if (typeof c?.name !== 'string' || c.name === '')
        causes.push({ field: `${path}.containers[${i}].name`, message: 'Required value', reason: 'FieldValueRequired' });
      if (typeof c?.image !== 'string' || c.image === '')
        causes.push({ field: `${path}.containers[${i}].image`, message: 'Required value', reason: 'FieldValueRequired' });
      const resources = (c?.resources ?? {}) as Record<string, Record<string, unknown> | undefined>;
      for (const kind of ['requests', 'limits'])
        for (const [name, value] of Object.entries(resources[kind] ?? {})) {
          try {
            if (typeof value !== 'string' && typeof value !== 'number') throw new Error('not a quantity');
            parseQuantity(value);
          } catch {
            causes.push({
              field: `${path}.containers[${i}].resources.${kind}.${name}`,
              message: `Invalid value: ${JSON.stringify(value)}: must be a quantity`,
            });
          }
        }
    });
  };
  if (type.kind === 'Deployment') {
    const spec = (object.spec ?? {}) as Obj;
    const selector = spec.selector as LabelSelectorSpec | undefined;
    const template = (spec.template ?? {}) as Obj;
    const labels = (template.metadata as Obj | undefined)?.labels as Record<string, string> | undefined;
    if (!isPlainObject(selector)) causes.push({ field: 'spec.selector', message: 'Required value', reason: 'FieldValueRequired' });
    else if (!matchesLabelSelector(selector, labels))
      causes.push({
        field: 'spec.template.metadata.labels',
        message: `Invalid value: ${JSON.stringify(labels ?? {})}: \`selector\` does not match template \`labels\``,
      });
    if (typeof spec.replicas === 'number' && (spec.replicas < 0 || !Number.isInteger(spec.replicas)))
      causes.push({ field: 'spec.replicas', message: `Invalid value: ${spec.replicas}: must be greater than or equal to 0` });
    containers(template.spec, 'spec.template.spec');
  }
  if (type.kind === 'Pod') containers(object.spec, 'spec');
  if (causes.length > 0) throw invalid(type, object.metadata.name, causes);
}
