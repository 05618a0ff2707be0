import { useState } from 'preact/hooks';
import { api, type AuditEvent, type MeshPod } from './api';
import { ago, href, time } from './format';
import { useLive, useLoad } from './live';

/** Event types that carry a remediation decision and its evidence (lib/usecases/health). */
const REMEDIATION = /^Remediation|^Alarm|^Drift|^Node|^Pods|^Reconcile|^Cluster|^CannotSchedule|^Scheduled|^Analysis|^Rollout|^Rolled/;

function PodsTable({ pods }: { pods: MeshPod[] }) {
  const zones = new Map<string, Map<string, MeshPod[]>>();
  for (const p of pods) {
    const zone = zones.get(p.zone ?? '?') ?? new Map<string, MeshPod[]>();
    const node = zone.get(p.node ?? 'unscheduled') ?? [];
    node.push(p);
    zone.set(p.node ?? 'unscheduled', node);
    zones.set(p.zone ?? '?', zone);
  }
  return (
    <div class="zones">
      {[...zones.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([zone, nodes]) => (
          <div class="zone" key={zone} data-zone={zone}>
            <h4>
              {zone} <span class="muted">{[...nodes.values()].reduce((a, n) => a + n.length, 0)} pods</span>
            </h4>
            {[...nodes.entries()].map(([node, ps]) => (
              <div class="node" key={node}>
                <div class="node-name">{node}</div>
                {ps.map((p) => (
                  <span
                    key={p.name}
                    class={`pod ${p.ready ? 'ready' : 'not-ready'} ${p.track ?? 'stable'}`}
                    title={`${p.name}${p.waitingReason ? ` (${p.waitingReason})` : ''}`}
                  >
                    {p.track === 'canary' ? 'canary' : 'pod'}
                    {p.waitingReason ? ` · ${p.waitingReason}` : ''}
                  </span>
                ))}
              </div>
            ))}
          </div>
        ))}
    </div>
  );
}

function EventRow({ e }: { e: AuditEvent }) {
  const [open, setOpen] = useState(false);
  const evidence = e.data && Object.keys(e.data).length > 0;
  return (
    <li class={`event ${REMEDIATION.test(e.type) ? 'remediation' : ''}`} data-type={e.type}>
      <span class="at" title={e.at}>
        {time(e.at)}
      </span>
      <b>{e.type}</b> <span>{e.message}</span>
      {evidence && (
        <button class="link" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? 'hide evidence' : 'evidence'}
        </button>
      )}
      {open && <pre class="evidence">{JSON.stringify(e.data, null, 2)}</pre>}
    </li>
  );
}

export function ServicePage({ name }: { name: string }) {
  const tick = useLive((e) => e.service === name, 3_000);
  const service = useLoad(() => api.service(name), [name, tick]);
  const events = useLoad(() => api.events(name), [name, tick]);
  const revisions = useLoad(() => api.revisions(name), [name, tick]);
  const deployments = useLoad(() => api.deployments(name), [name, tick]);
  const s = service.data;
  const status = s?.status;
  return (
    <section class="service-page">
      <h2>
        {name} {s && <span class={`badge ${s.phase}`}>{s.phase}</span>}
      </h2>
      {service.error && <p class="error">{service.error}</p>}
      {s && (
        <div class="grid">
          <div>
            <h3>Pods by zone and node</h3>
            {status?.error ? (
              <p class="muted">{status.error}</p>
            ) : (
              <>
                <p class="muted">
                  {String(status?.readyReplicas ?? '?')}/{String(status?.desiredReplicas ?? '?')} ready · observed {status?.ageSeconds ?? '?'} s ago
                </p>
                <PodsTable pods={status?.pods ?? []} />
              </>
            )}
            <h3>Deployments</h3>
            <table class="compact">
              <thead>
                <tr>
                  <th>id</th>
                  <th>image</th>
                  <th>status</th>
                  <th>started</th>
                </tr>
              </thead>
              <tbody>
                {(deployments.data?.items ?? []).map((d) => (
                  <tr key={d.id} data-deployment={d.id}>
                    <td>
                      <a href={href.rollout(name, d.id)}>{d.id}</a>
                    </td>
                    <td>{d.image}</td>
                    <td>
                      <span class={`badge ${d.status}`}>{d.status}</span>
                    </td>
                    <td>{ago(d.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>Revisions</h3>
            <ul class="revisions">
              {(revisions.data?.items ?? []).map((r) => (
                <li key={r.revision}>
                  <b>r{r.revision}</b> {String(r.spec.image)} <span class="muted">{ago(r.createdAt)}</span>
                </li>
              ))}
            </ul>
            <h3>Spec (revision {s.revision})</h3>
            <pre class="spec">{JSON.stringify(s.spec, null, 2)}</pre>
          </div>
          <div>
            <h3>Events</h3>
            <ul class="events" aria-label="events">
              {(events.data?.items ?? []).map((e) => (
                <EventRow key={e.id} e={e} />
              ))}
            </ul>
          </div>
        </div>
      )}
    </section>
  );
}
