/**
 * The mesh graph for large meshes: one canvas, drawn directly. Cytoscape.js spends about a millisecond
 * of CPU per element building its model and styles, seconds at 1,000 services on a busy machine; this
 * draws the same picture (groups, calls coloured by cross-zone share, services by health, canary share)
 * in a few milliseconds, with pan, zoom, labels once zoomed in, and selection. Straight lines, no arrows:
 * callers sit left of what they call.
 */
export interface OverviewNode {
  id: string;
  x: number;
  y: number;
  colour: string;
  /** Canary share 0..100 during a rollout. */
  canary?: number;
  label: string;
}

export interface OverviewEdge {
  from: number;
  to: number;
  colour: string;
  width: number;
}

export interface OverviewGroup {
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface OverviewData {
  nodes: OverviewNode[];
  edges: OverviewEdge[];
  groups: OverviewGroup[];
}

const RADIUS = 17;
const LABEL_SCALE = 0.45;

export class OverviewCanvas {
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private data: OverviewData = { nodes: [], edges: [], groups: [] };
  private scale = 1;
  private offset = { x: 0, y: 0 };
  private selected: string | undefined;
  private frame: number | undefined;
  private readonly cleanup: (() => void)[] = [];

  constructor(
    private readonly container: HTMLElement,
    private readonly handlers: { tap: (id: string | undefined) => void; open: (id: string) => void; drawn?: () => void },
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.style.cssText = 'width:100%;height:100%;display:block;cursor:grab';
    container.appendChild(this.canvas);
    this.ctx = this.canvas.getContext('2d')!;
    this.listen();
  }

  setData(data: OverviewData, fit: boolean): void {
    this.data = data;
    if (fit) this.fit();
    this.request();
  }

  select(id: string | undefined): void {
    this.selected = id;
    this.request();
  }

  destroy(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    for (const c of this.cleanup) c();
    this.canvas.remove();
  }

  private fit(): void {
    const { width, height } = this.size();
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const g of this.data.groups) {
      x0 = Math.min(x0, g.x - g.width / 2);
      x1 = Math.max(x1, g.x + g.width / 2);
      y0 = Math.min(y0, g.y - g.height / 2 - 40);
      y1 = Math.max(y1, g.y + g.height / 2);
    }
    for (const n of this.data.nodes) {
      x0 = Math.min(x0, n.x - RADIUS);
      x1 = Math.max(x1, n.x + RADIUS);
      y0 = Math.min(y0, n.y - RADIUS);
      y1 = Math.max(y1, n.y + RADIUS);
    }
    if (!Number.isFinite(x0)) return;
    const pad = 30;
    this.scale = Math.min((width - 2 * pad) / Math.max(1, x1 - x0), (height - 2 * pad) / Math.max(1, y1 - y0), 2);
    this.offset = { x: pad - x0 * this.scale + (width - 2 * pad - (x1 - x0) * this.scale) / 2, y: pad - y0 * this.scale };
  }

  private size(): { width: number; height: number } {
    return { width: this.container.clientWidth || 800, height: this.container.clientHeight || 600 };
  }

  private request(): void {
    if (this.frame !== undefined) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = undefined;
      this.draw();
      this.handlers.drawn?.();
    });
  }

  private draw(): void {
    const { width, height } = this.size();
    const ratio = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * ratio) || this.canvas.height !== Math.round(height * ratio)) {
      this.canvas.width = Math.round(width * ratio);
      this.canvas.height = Math.round(height * ratio);
    }
    const ctx = this.ctx;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.setTransform(ratio * this.scale, 0, 0, ratio * this.scale, ratio * this.offset.x, ratio * this.offset.y);
    const { nodes, edges, groups } = this.data;

    ctx.lineWidth = 1 / this.scale;
    ctx.setLineDash([6 / this.scale, 4 / this.scale]);
    for (const g of groups) {
      ctx.fillStyle = 'rgba(232, 238, 245, 0.6)';
      ctx.strokeStyle = '#8795a1';
      ctx.beginPath();
      ctx.rect(g.x - g.width / 2, g.y - g.height / 2, g.width, g.height);
      ctx.fill();
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.fillStyle = '#52606d';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.font = `bold ${Math.max(14, 14 / this.scale)}px system-ui, sans-serif`;
    for (const g of groups) ctx.fillText(g.label, g.x, g.y - g.height / 2 - 6 / this.scale);

    // Calls: one path per colour and width.
    const batches = new Map<string, OverviewEdge[]>();
    for (const e of edges) {
      const key = `${e.colour}|${e.width}`;
      const batch = batches.get(key) ?? [];
      batch.push(e);
      batches.set(key, batch);
    }
    ctx.globalAlpha = 0.55;
    for (const [key, batch] of batches) {
      const [colour, width] = key.split('|');
      ctx.strokeStyle = colour;
      ctx.lineWidth = Number(width);
      ctx.beginPath();
      for (const e of batch) {
        const a = nodes[e.from];
        const b = nodes[e.to];
        ctx.moveTo(a.x, a.y);
        ctx.lineTo(b.x, b.y);
      }
      ctx.stroke();
    }
    ctx.globalAlpha = 1;

    // Services: one path per health colour, then canary wedges and the selection.
    const byColour = new Map<string, OverviewNode[]>();
    for (const n of nodes) {
      const group = byColour.get(n.colour);
      if (group) group.push(n);
      else byColour.set(n.colour, [n]);
    }
    for (const [colour, group] of byColour) {
      ctx.fillStyle = colour;
      ctx.beginPath();
      for (const n of group) {
        ctx.moveTo(n.x + RADIUS, n.y);
        ctx.arc(n.x, n.y, RADIUS, 0, Math.PI * 2);
      }
      ctx.fill();
    }
    for (const n of nodes) {
      if (!n.canary) continue;
      ctx.fillStyle = '#4c78a8';
      ctx.beginPath();
      ctx.arc(n.x, n.y, RADIUS - 4, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = '#f58518';
      ctx.beginPath();
      ctx.moveTo(n.x, n.y);
      ctx.arc(n.x, n.y, RADIUS - 4, -Math.PI / 2, -Math.PI / 2 + (Math.PI * 2 * n.canary) / 100);
      ctx.fill();
    }
    const sel = this.selected === undefined ? undefined : nodes.find((n) => n.id === this.selected);
    if (sel) {
      ctx.strokeStyle = '#1c64f2';
      ctx.lineWidth = 5;
      ctx.beginPath();
      ctx.arc(sel.x, sel.y, RADIUS + 3, 0, Math.PI * 2);
      ctx.stroke();
    }
    if (this.scale >= LABEL_SCALE) {
      ctx.fillStyle = '#1f2933';
      ctx.font = '11px system-ui, sans-serif';
      ctx.textBaseline = 'top';
      const [x0, y0] = [-this.offset.x / this.scale, -this.offset.y / this.scale];
      const [x1, y1] = [x0 + width / this.scale, y0 + height / this.scale];
      for (const n of nodes) {
        if (n.x < x0 - 100 || n.x > x1 + 100 || n.y < y0 - 40 || n.y > y1 + 40) continue;
        const [name, second] = n.label.split('\n');
        ctx.fillText(name, n.x, n.y + RADIUS + 3);
        if (second) ctx.fillText(second, n.x, n.y + RADIUS + 16);
      }
    }
  }

  private nodeAt(clientX: number, clientY: number): OverviewNode | undefined {
    const rect = this.canvas.getBoundingClientRect();
    const x = (clientX - rect.left - this.offset.x) / this.scale;
    const y = (clientY - rect.top - this.offset.y) / this.scale;
    let best: OverviewNode | undefined;
    let bestDistance = (RADIUS + 4) ** 2;
    for (const n of this.data.nodes) {
      const d = (n.x - x) ** 2 + (n.y - y) ** 2;
      if (d <= bestDistance) [best, bestDistance] = [n, d];
    }
    return best;
  }

  private listen(): void {
    const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void, options?: AddEventListenerOptions) => {
      this.canvas.addEventListener(type, fn as EventListener, options);
      this.cleanup.push(() => this.canvas.removeEventListener(type, fn as EventListener));
    };
    let drag: { x: number; y: number; moved: boolean } | undefined;
    on('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, moved: false };
      this.canvas.setPointerCapture(e.pointerId);
    });
    on('pointermove', (e) => {
      if (!drag) return;
      const [dx, dy] = [e.clientX - drag.x, e.clientY - drag.y];
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      drag.moved = true;
      this.offset = { x: this.offset.x + dx, y: this.offset.y + dy };
      drag.x = e.clientX;
      drag.y = e.clientY;
      this.request();
    });
    on('pointerup', (e) => {
      if (drag && !drag.moved) {
        const n = this.nodeAt(e.clientX, e.clientY);
        this.select(n?.id);
        this.handlers.tap(n?.id);
      }
      drag = undefined;
    });
    on('dblclick', (e) => {
      const n = this.nodeAt(e.clientX, e.clientY);
      if (n) this.handlers.open(n.id);
    });
    on(
      'wheel',
      (e) => {
        e.preventDefault();
        const rect = this.canvas.getBoundingClientRect();
        const [px, py] = [e.clientX - rect.left, e.clientY - rect.top];
        const factor = Math.exp(-e.deltaY * 0.0015);
        const scale = Math.min(3, Math.max(0.01, this.scale * factor));
        this.offset = { x: px - ((px - this.offset.x) * scale) / this.scale, y: py - ((py - this.offset.y) * scale) / this.scale };
        this.scale = scale;
        this.request();
      },
      { passive: false },
    );
    const resize = new ResizeObserver(() => this.request());
    resize.observe(this.container);
    this.cleanup.push(() => resize.disconnect());
  }
}
