import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type Cost, type MeshView, type OptimizerRun, type OptimizerRunSummary } from './api';
import { dollars, href, ms, num, pct, time } from './format';
import { useLive, useLoad } from './live';

interface NodeUse {
  name: string;
  zone: string;
  ready: boolean;
  replicas: { service: string; track?: string; ready: boolean }[];
  cpu: number;
  memory: number;
}

/** Nodes by zone with the replicas on them and what those request (the API reports no node capacity). */
export function nodesByZone(mesh: MeshView): Map<string, NodeUse[]> {
  const nodes = new Map<string, NodeUse>();
  for (const n of mesh.nodes) nodes.set(n.name, { name: n.name, zone: n.zone, ready: n.ready, replicas: [], cpu: 0, memory: 0 });
  for (const s of mesh.services)
    for (const p of s.pods ?? []) {
      if (!p.node) continue;
      const node = nodes.get(p.node) ?? { name: p.node, zone: p.zone ?? '?', ready: true, replicas: [], cpu: 0, memory: 0 };
      node.replicas.push({ service: s.name, track: p.track, ready: p.ready });
      node.cpu += s.cpu;
      node.memory += s.memory;
      nodes.set(p.node, node);
    }
  const zones = new Map<string, NodeUse[]>();
  for (const n of [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name))) zones.set(n.zone, [...(zones.get(n.zone) ?? []), n]);
  return new Map([...zones.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function CostRow({ label, c }: { label: string; c?: Cost }) {
  return (
    <tr>
      <td>{label}</td>
      <td>{dollars(c?.dollarsPerMonth)}</td>
      <td>{ms(c?.meanLatencyMs)}</td>
      <td>{pct(c?.trafficShare?.crossZone, 1)}</td>
      <td>{num(c?.total, 0)}</td>
    </tr>
  );
}

function RunView({ run, zoneOf, onApply, applying }: { run: OptimizerRun; zoneOf: (node: string) => string; onApply?: () => void; applying: boolean }) {
  const saving = run.costBefore && run.costAfterPlan ? run.costBefore.dollarsPerMonth - run.costAfterPlan.dollarsPerMonth : undefined;
  return (
    <div class="run" data-run={run.id}>
      <h4>
        run {run.id} <span class={`badge ${run.status}`}>{run.status}</span> {run.dryRun && <span class="badge planned">what-if</span>}
        <span class="muted">
          {' '}
          {time(run.finishedAt)} · {run.solver}
          {run.solveStatus ? ` (${run.solveStatus}${run.gap !== undefined ? `, gap ${pct(run.gap)}` : ''})` : ''} ·{' '}
          {run.solveTimeMs === undefined ? '?' : Math.round(run.solveTimeMs)} ms
        </span>
      </h4>
      {run.reason && <p class="reason">{run.reason}</p>}
      <table class="compact">
        <thead>
          <tr>
            <th />
            <th>$/month</th>
            <th>mean latency</th>
            <th>cross-zone</th>
            <th>objective</th>
          </tr>
        </thead>
        <tbody>
          <CostRow label="before" c={run.costBefore} />
          <CostRow label="after plan" c={run.costAfterPlan} />
        </tbody>
      </table>
      {saving !== undefined && <p>saves {dollars(saving)}/month of cross-zone transfer</p>}
      {run.moves.length > 0 ? (
        <table class="compact diff">
          <caption>{run.dryRun ? 'what would move' : 'moves'}</caption>
          <thead>
            <tr>
              <th>service</th>
              <th>from</th>
              <th>to</th>
              <th>cost change</th>
              {run.appliedMoves && <th>outcome</th>}
            </tr>
          </thead>
          <tbody>
            {run.moves.map((m, i) => (
              <tr key={i}>
                <td>
                  <a href={href.service(m.service)}>{m.service}</a>
                </td>
                <td class="del">
                  {m.fromNode} <span class="muted">({zoneOf(m.fromNode)})</span>
                </td>
                <td class="add">
                  {m.toNode} <span class="muted">({zoneOf(m.toNode)})</span>
                </td>
                <td>{num(m.costDelta, 2)}</td>
                {run.appliedMoves && <td>{run.appliedMoves[i]?.outcome ?? '–'}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">no moves</p>
      )}
      {run.frozen.length > 0 && <p class="muted">not moved: {run.frozen.map((f) => `${f.service} (${f.reason})`).join(', ')}</p>}
      {onApply && run.dryRun && run.moves.length > 0 && (
        <button onClick={onApply} disabled={applying}>
          Apply this plan
        </button>
      )}
    </div>
  );
}

async function waitForRun(operationId: string, runId: string): Promise<OptimizerRun> {
  for (;;) {
    const op = await api.operation(operationId);
    if (op.status === 'failed') throw new Error(`optimizer run failed: ${op.reason ?? 'no reason given'}`);
    if (op.status === 'succeeded') return api.run(runId);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The optimizer's finished runs, newest first (kept 30 days): cost before and after each plan; a row opens the run. */
function RunList({ runs, selected, more, onMore }: { runs: OptimizerRunSummary[]; selected?: string; more: boolean; onMore: () => void }) {
  if (runs.length === 0) return <p class="muted">no optimizer runs yet</p>;
  return (
    <>
      <table class="compact runs" aria-label="optimizer runs">
        <thead>
          <tr>
            <th>run</th>
            <th>started</th>
            <th>status</th>
            <th>solver</th>
            <th>$/month before</th>
            <th>after</th>
            <th>saved</th>
            <th>mean latency</th>
            <th>moves</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-run-row={r.id} class={r.id === selected ? 'selected' : ''}>
              <td>
                <a href={href.run(r.id)}>{r.id}</a>
              </td>
              <td>{time(r.startedAt)}</td>
              <td>
                <span class={`badge ${r.status}`}>{r.status}</span> {r.dryRun && r.status !== 'failed' && <span class="badge planned">what-if</span>}
              </td>
              <td>{r.solver}</td>
              <td>{dollars(r.costBefore?.dollarsPerMonth)}</td>
              <td>{dollars(r.costAfterPlan?.dollarsPerMonth)}</td>
              <td class={r.dollarsPerMonthSaved !== undefined && r.dollarsPerMonthSaved > 0 ? 'ok' : ''}>{dollars(r.dollarsPerMonthSaved)}</td>
              <td>{r.costBefore && r.costAfterPlan ? `${ms(r.costBefore.meanLatencyMs)} → ${ms(r.costAfterPlan.meanLatencyMs)}` : '–'}</td>
              <td>{r.movedReplicas === undefined ? r.moves : `${r.movedReplicas}/${r.moves} moved`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {more && <button onClick={onMore}>Older runs</button>}
    </>
  );
}

export function PlacementPage({ run: selected }: { run?: string }) {
  const tick = useLive(() => true, 5_000);
  const mesh = useLoad(() => api.mesh(), [tick]);
  const runs = useLoad(() => api.runs(), [tick]);
  const [older, setOlder] = useState<{ items: OptimizerRunSummary[]; cursor?: string }>({ items: [] });
  const open = useLoad(() => (selected ? api.run(selected) : Promise.resolve(undefined)), [selected]);
  const [maxMoves, setMaxMoves] = useState(10);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const zones = useMemo(() => (mesh.data ? nodesByZone(mesh.data) : new Map<string, NodeUse[]>()), [mesh.data]);
  const zoneOf = (node: string) => mesh.data?.nodes.find((n) => n.name === node)?.zone ?? '?';
  // The first page follows the live tick; older pages, once asked for, are appended below it.
  useEffect(() => setOlder({ items: [], cursor: undefined }), [runs.data?.items[0]?.id]);
  const listed = [...(runs.data?.items ?? []), ...older.items.filter((o) => !runs.data?.items.some((r) => r.id === o.id))];
  const nextCursor = older.items.length ? older.cursor : runs.data?.nextCursor;
  const loadOlder = async () => {
    if (!nextCursor) return;
    try {
      const page = await api.runs(nextCursor);
      setOlder({ items: [...older.items, ...page.items], cursor: page.nextCursor });
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const start = async (dryRun: boolean) => {
    setBusy(dryRun ? 'planning…' : 'applying…');
    setError(undefined);
    try {
      const { operationId, runId } = await api.startOptimizer({ dryRun, maxMoves });
      await waitForRun(operationId, runId);
      runs.reload();
      location.hash = href.run(runId);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section class="placement-page">
      <h2>Placement</h2>
      <div class="zones">
        {[...zones.entries()].map(([zone, nodes]) => (
          <div class="zone" key={zone} data-zone={zone}>
            <h4>
              {zone} <span class="muted">{nodes.reduce((a, n) => a + n.replicas.length, 0)} replicas</span>
            </h4>
            {nodes.map((n) => (
              <div class={`node ${n.ready ? '' : 'not-ready'}`} key={n.name} data-node={n.name}>
                <div class="node-name">
                  {n.name} {!n.ready && <span class="badge unavailable">NotReady</span>}
                  <span class="muted">
                    {' '}
                    {n.replicas.length} replicas · {n.cpu}m CPU · {n.memory} MiB requested
                  </span>
                </div>
                <div class="bar" title={`${n.cpu} millicores requested`}>
                  <span style={{ width: `${Math.min(100, n.cpu / 40)}%` }} />
                </div>
                {n.replicas.map((r, i) => (
                  <span key={i} class={`pod ${r.ready ? 'ready' : 'not-ready'} ${r.track ?? 'stable'}`}>
                    {r.service}
                  </span>
                ))}
              </div>
            ))}
          </div>
        ))}
        {zones.size === 0 && <p class="muted">no nodes observed yet</p>}
      </div>
      <h3>Optimizer</h3>
      <div class="actions">
        <label>
          most moves <input type="number" min={0} max={1000} value={maxMoves} onInput={(e) => setMaxMoves(Number((e.target as HTMLInputElement).value))} />
        </label>
        <button onClick={() => void start(true)} disabled={busy !== undefined}>
          What if? (dry run)
        </button>
        {busy && <span class="muted">{busy}</span>}
        {error && <span class="error">{error}</span>}
      </div>
      {selected && (
        <>
          {open.error && <p class="error">{open.error}</p>}
          {open.data && <RunView run={open.data} zoneOf={zoneOf} applying={busy !== undefined} onApply={() => void start(false)} />}
          <p class="muted">Applying starts a new run with these settings: it plans again from the placement of that moment, then moves.</p>
        </>
      )}
      <h3>Runs</h3>
      {runs.error && <p class="error">{runs.error}</p>}
      <RunList runs={listed} selected={selected} more={nextCursor !== undefined} onMore={() => void loadOlder()} />
    </section>
  );
}
