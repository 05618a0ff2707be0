/** Small formatting helpers shared by the views. */
export const pct = (x: number | undefined, digits = 1) => (x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(digits)}%`);
export const num = (x: number | undefined, digits = 1) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));
export const dollars = (x: number | undefined) => (x === undefined ? '–' : x >= 100 ? `$${x.toFixed(0)}` : `$${x.toFixed(2)}`);
export const ms = (x: number | undefined) => (x === undefined ? '–' : `${x.toFixed(x < 10 ? 1 : 0)} ms`);
export function ago(iso: string | undefined): string {
  if (!iso) return '–';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : `${Math.floor(s / 3600)}h ago`;
}
export const time = (iso: string | undefined) => (iso ? new Date(iso).toLocaleTimeString() : '–');
export const href = {
  mesh: () => '#/mesh',
  service: (name: string) => `#/services/${encodeURIComponent(name)}`,
  rollout: (name: string, id: string) => `#/services/${encodeURIComponent(name)}/deployments/${encodeURIComponent(id)}`,
  placement: () => '#/placement',
  run: (id: string) => `#/placement/runs/${encodeURIComponent(id)}`,
};
