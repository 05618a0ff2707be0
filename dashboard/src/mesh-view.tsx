import type { Core, CytoscapeOptions, ElementDefinition, EventObject, StylesheetJson } from 'cytoscape';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type MeshEdge, type MeshService, type MeshView } from './api';
import { ago, dollars, href, ms, pct } from './format';
import { useLive, useLoad } from './live';
import { layoutMesh } from './mesh-layout';
import { OverviewCanvas, type OverviewData } from './overview-canvas';

export type GroupBy = 'zone' | 'cluster' | 'none';

const HEALTH_COLOURS: Record<string, string> = {
  healthy: '#2f9e5b',
  degraded: '#e0a100',
  unavailable: '#d64545',
  failed: '#8b1e1e',
  unknown: '#9aa5b1',
};

/** The zone most of a service's pods run in (ready ones first): where the graph draws it when grouped by zone. */
export function primaryZone(s: MeshService): string {
  let best: [string, number] | undefined;
  for (const [zone, n] of Object.entries(s.podsPerZone ?? {})) if (!best || n > best[1] || (n === best[1] && zone < best[0])) best = [zone, n];
  return best?.[0] ?? 'not placed';
}

function groupOf(s: MeshService, by: GroupBy): string {
  if (by === 'none') return '';
  if (by === 'cluster') return s.cluster ?? 'default';
  return `${s.cluster ?? 'default'} / ${primaryZone(s)}`;
}

function nodeLabel(s: MeshService): string {
  const ready = s.readyReplicas === undefined ? '?' : String(s.readyReplicas);
  const split = s.rollout ? ` · canary ${s.rollout.canaryWeight}%` : '';
  return `${s.name}\n${ready}/${s.replicas}${split}`;
}

const rate = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(1));
const errors = (x: number) => pct(x, x > 0 && x < 0.01 ? 2 : 1);

/** The rate an edge is drawn by: what the mesh observed when it saw calls, else what the caller declares. */
const edgeRps = (e: MeshEdge) => e.observed?.rps ?? e.declaredRps;

/**
 * The edge's short label on the graph (against edge clutter): the observed rate, and its errors from 1 %
 * on (the colour tells the rest), or the declared rate when nothing was observed. Hover shows everything.
 */
export function edgeLabel(e: MeshEdge): string {
  if (!e.observed) return `${e.declaredRps} rps declared`;
  return `${rate(e.observed.rps)} rps${e.observed.errorRate >= 0.01 ? ` · ${errors(e.observed.errorRate)} err` : ''}`;
}

/** Everything known of an edge: shown on hover and selection, and in the list screen readers read. */
export function edgeDetail(e: MeshEdge): string {
  const parts = [e.source === 'observed' ? 'not declared' : `declared ${e.declaredRps} rps`];
  if (e.observed) {
    parts.push(`observed ${rate(e.observed.rps)} rps`, `errors ${errors(e.observed.errorRate)}`);
    if (e.observed.p99LatencyMs !== undefined) parts.push(`p99 ${ms(e.observed.p99LatencyMs)}`);
  } else parts.push('no calls observed');
  if (e.crossZoneShare !== undefined) parts.push(`${pct(e.crossZoneShare, 0)} x-zone${e.crossZoneShareFrom === 'placement' ? ' (predicted)' : ''}`);
  if (e.dollarsPerMonth !== undefined) parts.push(`${dollars(e.dollarsPerMonth)}/mo`);
  return parts.join(' · ');
}

/** Edge colour by error rate: not observed, under 1 %, under 5 %, 5 % and more. */
const ERROR_COLOURS = ['#b8c2cc', '#2f9e5b', '#e0a100', '#d64545'];
const ERROR_LEGEND = ['no calls seen', '< 1% errors', '< 5%', '≥ 5%'];

export function errorBucket(e: MeshEdge): number {
  if (!e.observed) return 0;
  return e.observed.errorRate < 0.01 ? 1 : e.observed.errorRate < 0.05 ? 2 : 3;
}

const edgeId = (e: { from: string; to: string }) => `${e.from}->${e.to}`;

/** Buckets for edge width (by calls per second): classes, cheaper to style than per-element data. */
const bucket = (x: number, buckets: number) => Math.min(buckets - 1, Math.max(0, Math.floor(x * buckets)));

/**
 * Cytoscape elements with positions precomputed (preset layout). Groups are plain rectangles behind
 * their services, sized by the layout: compound parents would make Cytoscape recompute their bounds as
 * every child is added.
 */
export function meshElements(mesh: MeshView, by: GroupBy): ElementDefinition[] {
  const known = new Set(mesh.services.map((s) => s.name));
  const edges = mesh.edges.filter((e) => known.has(e.to));
  const layout = layoutMesh({ services: mesh.services.map((s) => ({ name: s.name, group: groupOf(s, by) })), edges });
  const elements: ElementDefinition[] = [];
  if (by !== 'none')
    for (const [g, box] of layout.groups)
      elements.push({
        group: 'nodes',
        data: { id: `group:${g}`, label: g, isGroup: true, w: box.width + 40, h: box.height + 40 },
        position: { x: box.x, y: box.y },
        classes: 'group',
        selectable: false,
        grabbable: false,
      });
  for (const s of mesh.services) {
    const canary = s.rollout?.canaryWeight ?? 0;
    elements.push({
      group: 'nodes',
      data: { id: s.name, label: nodeLabel(s), health: s.health, stable: 100 - canary, canary },
      position: { ...layout.positions.get(s.name)! },
      classes: s.rollout ? `${s.health} rollout` : s.health,
    });
  }
  const maxRps = Math.max(1, ...edges.map(edgeRps));
  for (const e of edges)
    elements.push({
      group: 'edges',
      data: { id: edgeId(e), source: e.from, target: e.to, label: edgeLabel(e), detail: edgeDetail(e) },
      // Thicker with more calls; coloured by error rate; dashed when declared but no call was observed.
      classes: `w${bucket(Math.sqrt(edgeRps(e) / maxRps), 4)} e${errorBucket(e)} ${e.source}`,
    });
  return elements;
}

function styles(big: boolean): StylesheetJson {
  return [
    {
      selector: 'node',
      style: {
        shape: 'ellipse',
        width: 34,
        height: 34,
        'background-color': HEALTH_COLOURS.unknown,
        'border-width': 3,
        'border-color': HEALTH_COLOURS.unknown,
        // Large meshes draw labels only once zoomed in (see `labels` below): at full view they are unreadable anyway.
        ...(big ? {} : { label: 'data(label)' }),
        'text-wrap': 'wrap',
        'text-valign': 'bottom',
        'text-margin-y': 4,
        'font-size': 11,
        color: '#1f2933',
        'min-zoomed-font-size': 6,
        'z-index': 2,
      },
    },
    ...Object.entries(HEALTH_COLOURS).map(([health, colour]) => ({
      selector: `node.${health}`,
      style: { 'background-color': colour, 'border-color': colour },
    })),
    {
      selector: 'node.rollout',
      style: {
        'background-color': '#ffffff',
        'pie-size': '100%',
        'pie-1-background-color': '#4c78a8',
        // Cytoscape reads pie sizes from data (percent); its types only admit numbers.
        'pie-1-background-size': 'data(stable)' as unknown as number,
        'pie-2-background-color': '#f58518',
        'pie-2-background-size': 'data(canary)' as unknown as number,
      },
    },
    {
      selector: 'node.group',
      style: {
        shape: 'round-rectangle',
        width: 'data(w)',
        height: 'data(h)',
        'background-color': '#e8eef5',
        'background-opacity': 0.5,
        'border-width': 1,
        'border-style': 'dashed',
        'border-color': '#8795a1',
        label: 'data(label)',
        'text-valign': 'top',
        'text-halign': 'center',
        'text-margin-y': -6,
        'font-size': big ? 40 : 14,
        'font-weight': 'bold',
        color: '#52606d',
        'z-index': 0,
        events: 'no',
      },
    },
    { selector: 'node:selected', style: { 'border-color': '#1c64f2', 'border-width': 5 } },
    {
      selector: 'edge',
      style: {
        width: 1,
        'line-color': ERROR_COLOURS[0],
        'curve-style': big ? 'haystack' : 'bezier',
        ...(big ? { 'haystack-radius': 0 } : { 'target-arrow-shape': 'triangle', 'target-arrow-color': ERROR_COLOURS[0], 'arrow-scale': 0.8 }),
        opacity: big ? 0.5 : 0.9,
        ...(big
          ? {}
          : { label: 'data(label)', 'font-size': 9, 'text-rotation': 'autorotate', 'text-background-color': '#ffffff', 'text-background-opacity': 0.8 }),
        color: '#3e4c59',
        'min-zoomed-font-size': 8,
        'z-index': 1,
      },
    },
    ...[1, 2, 3, 4].map((w, i) => ({ selector: `edge.w${i}`, style: { width: w * 1.5 } })),
    ...ERROR_COLOURS.map((colour, i) => ({ selector: `edge.e${i}`, style: { 'line-color': colour, 'target-arrow-color': colour } })),
    { selector: 'edge.declared', style: { 'line-style': 'dashed' } },
    {
      selector: 'edge.hover',
      style: { opacity: 1, label: 'data(detail)', 'font-size': 11, 'text-background-color': '#ffffff', 'text-background-opacity': 0.95, 'z-index': 10 },
    },
    {
      selector: 'edge:selected',
      style: { 'line-color': '#1c64f2', 'target-arrow-color': '#1c64f2', opacity: 1, label: 'data(detail)', 'font-size': 11, 'z-index': 10 },
    },
  ];
}

/** Large meshes: node labels appear once zoomed in far enough to read them, and go again when zoomed out. */
function labelsOnZoom(cy: Core): void {
  let shown = false;
  cy.on('zoom', () => {
    const want = cy.zoom() >= 0.45;
    if (want === shown) return;
    shown = want;
    cy.style()
      .selector('node[!isGroup]')
      .style({ label: want ? 'data(label)' : '' })
      .update();
  });
}

type Selection = { kind: 'service'; name: string } | { kind: 'edge'; from: string; to: string } | undefined;

/** Above this many services the graph is drawn by {@link OverviewCanvas} instead of Cytoscape.js. */
export const LARGE_MESH = 60;

type Cytoscape = (options: CytoscapeOptions) => Core;
let cytoscapeModule: Promise<Cytoscape> | undefined;
const loadCytoscape = () => (cytoscapeModule ??= import('cytoscape').then((m) => m.default as unknown as Cytoscape));

/** The large-mesh picture: the same layout, colours and buckets as the Cytoscape graph. */
export function overviewData(mesh: MeshView, by: GroupBy): OverviewData {
  const known = new Map(mesh.services.map((s, i) => [s.name, i]));
  const edges = mesh.edges.filter((e) => known.has(e.to) && known.has(e.from));
  const layout = layoutMesh({ services: mesh.services.map((s) => ({ name: s.name, group: groupOf(s, by) })), edges });
  const maxRps = Math.max(1, ...edges.map(edgeRps));
  return {
    groups: by === 'none' ? [] : [...layout.groups].map(([label, box]) => ({ label, ...box, width: box.width + 40, height: box.height + 40 })),
    nodes: mesh.services.map((s) => ({
      id: s.name,
      ...layout.positions.get(s.name)!,
      colour: HEALTH_COLOURS[s.health] ?? HEALTH_COLOURS.unknown,
      canary: s.rollout?.canaryWeight,
      label: nodeLabel(s),
    })),
    edges: edges.map((e) => ({
      from: known.get(e.from)!,
      to: known.get(e.to)!,
      colour: ERROR_COLOURS[errorBucket(e)],
      width: 1.5 * (1 + bucket(Math.sqrt(edgeRps(e) / maxRps), 4)),
    })),
  };
}

/** Marks the first frame that shows the whole mesh (the benchmark and the browser tests read it). */
function markRendered(mesh: MeshView, started: number, renderer: string): void {
  const root = document.documentElement;
  root.dataset.meshRendered = String(mesh.services.length);
  (window as unknown as { __meshplaneRender?: unknown }).__meshplaneRender = {
    services: mesh.services.length,
    edges: mesh.edges.length,
    renderer,
    graphMs: performance.now() - started,
    atMs: performance.now(),
  };
}

/**
 * The graph: Cytoscape.js (preset positions) up to {@link LARGE_MESH} services, the plain canvas
 * overview above. Rebuilt when the set of services, calls or grouping changes; updated in place otherwise.
 */
function MeshGraph(props: { mesh: MeshView; groupBy: GroupBy; selected?: string; onSelect: (s: Selection) => void }) {
  const container = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | undefined>(undefined);
  const overview = useRef<OverviewCanvas | undefined>(undefined);
  const shape = useRef('');
  const onSelect = useRef(props.onSelect);
  onSelect.current = props.onSelect;

  useEffect(
    () => () => {
      cy.current?.destroy();
      overview.current?.destroy();
    },
    [],
  );

  useEffect(() => {
    const { mesh, groupBy } = props;
    const started = performance.now();
    if (mesh.services.length > LARGE_MESH) {
      cy.current?.destroy();
      cy.current = undefined;
      const data = overviewData(mesh, groupBy);
      const key = `${groupBy}|${data.nodes.map((n) => `${n.id}@${n.x},${n.y}`).join(',')}|${mesh.edges.length}`;
      if (!overview.current) {
        let first = true;
        overview.current = new OverviewCanvas(container.current!, {
          tap: (id) => onSelect.current(id ? { kind: 'service', name: id } : undefined),
          open: (id) => (location.hash = href.service(id)),
          drawn: () => {
            if (first) markRendered(mesh, started, 'canvas');
            first = false;
          },
        });
      }
      overview.current.setData(data, key !== shape.current);
      shape.current = key;
      return;
    }
    overview.current?.destroy();
    overview.current = undefined;
    const elements = meshElements(mesh, groupBy);
    // Positions depend on the set of services and calls and on each one's group: a new layout when any of these changes.
    const key = `${groupBy}|${elements.map((e) => `${e.data.id}@${e.position ? `${e.position.x},${e.position.y}` : ''}`).join(',')}`;
    if (cy.current && key === shape.current) {
      // Same graph: update what changed (health, replicas, split, edge figures) in place.
      cy.current.batch(() => {
        for (const e of elements) {
          const ele = cy.current!.getElementById(e.data.id!);
          ele.data(e.data);
          if (e.classes !== undefined) ele.classes(e.classes);
        }
      });
      return;
    }
    shape.current = key;
    const big = mesh.edges.length > 400 || mesh.services.length > 150;
    let cancelled = false;
    // Cytoscape.js is loaded when a mesh small enough for it is first shown (a large one never needs it).
    void loadCytoscape().then((cytoscape) => {
      if (cancelled) return;
      cy.current?.destroy();
      const instance = cytoscape({
        container: container.current,
        elements,
        layout: { name: 'preset', fit: true, padding: 30 },
        style: styles(big),
        minZoom: 0.02,
        maxZoom: 3,
        wheelSensitivity: 0.3,
        textureOnViewport: big,
        hideEdgesOnViewport: big,
        motionBlur: false,
        pixelRatio: 1,
        boxSelectionEnabled: false,
        autoungrabify: big,
      });
      cy.current = instance;
      if (big) labelsOnZoom(instance);
      instance.on('tap', 'node[!isGroup]', (e: EventObject) => onSelect.current({ kind: 'service', name: e.target.id() }));
      instance.on('dbltap', 'node[!isGroup]', (e: EventObject) => (location.hash = href.service(e.target.id())));
      instance.on('tap', 'edge', (e: EventObject) => onSelect.current({ kind: 'edge', from: e.target.data('source'), to: e.target.data('target') }));
      // Hovering an edge shows all its figures (the label on the graph is the short one).
      instance.on('mouseover', 'edge', (e: EventObject) => e.target.addClass('hover'));
      instance.on('mouseout', 'edge', (e: EventObject) => e.target.removeClass('hover'));
      instance.on('tap', (e: EventObject) => {
        if (e.target === instance) onSelect.current(undefined);
      });
      instance.one('render', () => requestAnimationFrame(() => markRendered(mesh, started, 'cytoscape')));
    });
    return () => {
      cancelled = true;
    };
  }, [props.mesh, props.groupBy]);

  useEffect(() => overview.current?.select(props.selected), [props.selected]);

  return <div class="graph" ref={container} role="img" aria-label={`call graph of ${props.mesh.services.length} services`} />;
}

function ServiceDetails({ s, mesh }: { s: MeshService; mesh: MeshView }) {
  const calls = mesh.edges.filter((e) => e.from === s.name);
  const callers = mesh.edges.filter((e) => e.to === s.name);
  return (
    <div class="details">
      <h3>
        <a href={href.service(s.name)}>{s.name}</a> <span class={`badge ${s.health}`}>{s.health}</span>
      </h3>
      <p>
        {s.readyReplicas ?? '?'}/{s.replicas} ready · r{s.revision} · {s.image}
      </p>
      {s.rollout && (
        <p>
          rollout: canary <b>{s.rollout.canaryWeight}%</b> ({s.rollout.canaryImage}) — <a href={href.rollout(s.name, s.rollout.deploymentId)}>open rollout</a>
        </p>
      )}
      {s.podsPerZone && (
        <p>
          pods per zone:{' '}
          {Object.entries(s.podsPerZone)
            .map(([z, n]) => `${z}: ${n}`)
            .join(', ') || 'none'}
        </p>
      )}
      {s.statusError && <p class="muted">status: {s.statusError}</p>}
      <EdgeTable title="calls" edges={calls} />
      <EdgeTable title="called by" edges={callers} />
      <p>
        <a class="button" href={href.service(s.name)}>
          Open {s.name}
        </a>
      </p>
    </div>
  );
}

function EdgeTable({ title, edges }: { title: string; edges: MeshEdge[] }) {
  if (edges.length === 0) return null;
  return (
    <table class="compact">
      <caption>{title}</caption>
      <thead>
        <tr>
          <th>from → to</th>
          <th title="declared / observed calls per second">rps</th>
          <th>errors</th>
          <th>p99</th>
          <th>x-zone</th>
          <th>$/month</th>
        </tr>
      </thead>
      <tbody>
        {edges.map((e) => (
          <tr key={edgeId(e)} data-edge={edgeId(e)} title={edgeDetail(e)}>
            <td>
              <i class="edge-swatch" style={{ background: ERROR_COLOURS[errorBucket(e)] }} /> {e.from} → {e.to}
            </td>
            <td>
              {e.source === 'observed' ? '–' : e.declaredRps} / {e.observed ? rate(e.observed.rps) : '–'}
            </td>
            <td>{e.observed ? errors(e.observed.errorRate) : '–'}</td>
            <td>{ms(e.observed?.p99LatencyMs)}</td>
            <td>
              {pct(e.crossZoneShare, 0)}
              {e.crossZoneShareFrom === 'placement' ? '*' : ''}
            </td>
            <td>{dollars(e.dollarsPerMonth)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** When the edges' observed figures were recorded, and why some are missing. */
function TrafficAge({ traffic }: { traffic: MeshView['traffic'] }) {
  const problems = traffic?.problems ?? [];
  const when = traffic?.observedAt ? `calls observed ${ago(traffic.observedAt)} over ${traffic.windowSeconds ?? '?'} s` : 'calls not observed yet';
  return (
    <span class={problems.length ? 'muted warn' : 'muted'} title={problems.join('\n') || undefined} data-traffic-age>
      {when}
      {problems.length ? ` · ${problems.length} problem${problems.length > 1 ? 's' : ''}` : ''}
    </span>
  );
}

const GROUP_KEY = 'meshplane.groupBy';

export function MeshPage() {
  const [groupBy, setGroupBy] = useState<GroupBy>(() => (localStorage.getItem(GROUP_KEY) as GroupBy | null) ?? 'zone');
  const [selection, setSelection] = useState<Selection>(undefined);
  const [filter, setFilter] = useState('');
  const tick = useLive(() => true, 5_000);
  const { data: mesh, error } = useLoad(() => api.mesh(), [tick]);
  const selected = selection?.kind === 'service' ? mesh?.services.find((s) => s.name === selection.name) : undefined;
  const selectedEdge = selection?.kind === 'edge' ? mesh?.edges.find((e) => e.from === selection.from && e.to === selection.to) : undefined;
  const listed = useMemo(() => {
    const all = mesh?.services ?? [];
    const f = filter.trim().toLowerCase();
    return (f ? all.filter((s) => s.name.includes(f)) : all).slice(0, 200);
  }, [mesh, filter]);
  const totals = useMemo(() => {
    const counts: Record<string, number> = {};
    for (const s of mesh?.services ?? []) counts[s.health] = (counts[s.health] ?? 0) + 1;
    const dollarsPerMonth = (mesh?.edges ?? []).reduce((a, e) => a + (e.dollarsPerMonth ?? 0), 0);
    return { counts, dollarsPerMonth };
  }, [mesh]);

  return (
    <section class="mesh-page">
      <div class="toolbar">
        <label>
          group by{' '}
          <select
            value={groupBy}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value as GroupBy;
              localStorage.setItem(GROUP_KEY, v);
              setGroupBy(v);
            }}
          >
            <option value="zone">cluster and zone</option>
            <option value="cluster">cluster</option>
            <option value="none">nothing</option>
          </select>
        </label>
        <span class="legend">
          {Object.entries(HEALTH_COLOURS).map(([h, c]) => (
            <span key={h}>
              <i style={{ background: c }} /> {h} {totals.counts[h] ?? 0}
            </span>
          ))}
          <span>
            <i style={{ background: '#f58518' }} /> canary share
          </span>
          {ERROR_COLOURS.map((c, i) => (
            <span key={c}>
              <i class="edge-swatch" style={{ background: c }} /> {ERROR_LEGEND[i]}
            </span>
          ))}
        </span>
        <span class="muted">
          {mesh ? `${mesh.services.length} services · ${mesh.edges.length} calls · cross-zone transfer ${dollars(totals.dollarsPerMonth)}/month` : 'loading…'}
        </span>
        {mesh && <TrafficAge traffic={mesh.traffic} />}
        {error && <span class="error">{error}</span>}
      </div>
      <div class="mesh-main">
        {mesh && mesh.services.length > 0 ? (
          <MeshGraph mesh={mesh} groupBy={groupBy} selected={selection?.kind === 'service' ? selection.name : undefined} onSelect={setSelection} />
        ) : (
          <div class="graph empty">{mesh ? 'No services yet: register one with POST /v1/services or `meshplane services apply`.' : ''}</div>
        )}
        <aside>
          {selected && mesh && <ServiceDetails s={selected} mesh={mesh} />}
          {selectedEdge && (
            <div class="details">
              <EdgeTable title="call" edges={[selectedEdge]} />
            </div>
          )}
          <input type="search" placeholder="find a service" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
          <ul class="service-list" aria-label="services">
            {listed.map((s) => (
              <li key={s.name} data-service={s.name}>
                <i style={{ background: HEALTH_COLOURS[s.health] }} />
                <a href={href.service(s.name)} onClick={() => setSelection({ kind: 'service', name: s.name })}>
                  {s.name}
                </a>
                <span class="muted">
                  {s.readyReplicas ?? '?'}/{s.replicas}
                  {s.rollout ? ` · canary ${s.rollout.canaryWeight}%` : ''}
                </span>
              </li>
            ))}
          </ul>
          {mesh && mesh.edges.length <= 500 && (
            <ul class="sr-only" aria-label="calls">
              {mesh.edges.map((e) => (
                <li key={edgeId(e)} data-edge={edgeId(e)}>
                  {e.from} calls {e.to}: {edgeDetail(e)}
                </li>
              ))}
            </ul>
          )}
        </aside>
      </div>
    </section>
  );
}
