import { useState } from 'preact/hooks';
import { api, type Deployment, type DeploymentStep } from './api';
import { href, ms, num, pct, time } from './format';
import { useLive, useLoad } from './live';
import { bakeText, stepState, waveViews, type WaveView } from './rollout-waves';

const ENDED = new Set(['promoted', 'rolledBack', 'aborted', 'superseded', 'failed']);

interface Snapshot {
  requests: number;
  errors: number;
  errorRate: number;
  p99LatencyMs: number | null;
}

interface StepMetrics {
  analyses?: number;
  phase?: string;
  decision?: string;
  canary?: Snapshot;
  stable?: Snapshot;
  sequential?: { outcome: string; evidence?: unknown; evidenceNeeded?: number; canaryRateUpper?: number; tolerated?: number; alpha?: number };
  /** A wave's step: each cluster of the wave judged on its own metrics. */
  clusters?: Record<string, { verdict: string }>;
  at?: string;
}

type Limits = Partial<Record<'maxErrorRate' | 'maxErrorRateIncrease' | 'maxP99LatencyMs' | 'minRequests', number>> & { method?: string };

function Check({ ok }: { ok: boolean | undefined }) {
  if (ok === undefined) return <td class="muted">–</td>;
  return <td class={ok ? 'ok' : 'bad'}>{ok ? 'within' : 'over'}</td>;
}

/** One analysis: the metrics of its last interval against the policy's limits, and the sequential test's verdict. */
function Analysis({ step, limits }: { step: DeploymentStep; limits: Limits }) {
  const m = (step.metrics ?? {}) as StepMetrics;
  const c = m.canary;
  const s = m.stable;
  const increase = c && s ? c.errorRate - s.errorRate : undefined;
  const seq = m.sequential;
  return (
    <div class="analysis" data-step={step.index}>
      <table class="compact">
        <thead>
          <tr>
            <th>metric</th>
            <th>canary</th>
            <th>stable</th>
            <th>limit</th>
            <th />
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>requests</td>
            <td>{c ? Math.round(c.requests) : '–'}</td>
            <td>{s ? Math.round(s.requests) : '–'}</td>
            <td>≥ {limits.minRequests ?? '–'}</td>
            <Check ok={c && limits.minRequests !== undefined ? c.requests >= limits.minRequests : undefined} />
          </tr>
          <tr>
            <td>error rate</td>
            <td>{pct(c?.errorRate, 2)}</td>
            <td>{pct(s?.errorRate, 2)}</td>
            <td>≤ {pct(limits.maxErrorRate, 2)}</td>
            <Check ok={c && limits.maxErrorRate !== undefined ? c.errorRate <= limits.maxErrorRate : undefined} />
          </tr>
          <tr>
            <td>error rate over stable</td>
            <td>{pct(increase, 2)}</td>
            <td />
            <td>≤ {pct(limits.maxErrorRateIncrease, 2)}</td>
            <Check ok={increase !== undefined && limits.maxErrorRateIncrease !== undefined ? increase <= limits.maxErrorRateIncrease : undefined} />
          </tr>
          <tr>
            <td>p99 latency</td>
            <td>{ms(c?.p99LatencyMs ?? undefined)}</td>
            <td>{ms(s?.p99LatencyMs ?? undefined)}</td>
            <td>≤ {ms(limits.maxP99LatencyMs)}</td>
            <Check ok={c?.p99LatencyMs != null && limits.maxP99LatencyMs !== undefined ? c.p99LatencyMs <= limits.maxP99LatencyMs : undefined} />
          </tr>
          {seq && (
            <tr>
              <td>canary error rate, upper bound ({pct(seq.alpha === undefined ? undefined : 1 - seq.alpha, 0)} anytime-valid)</td>
              <td>{pct(seq.canaryRateUpper, 2)}</td>
              <td />
              <td>≤ {pct(seq.tolerated, 2)}</td>
              <Check ok={seq.canaryRateUpper !== undefined && seq.tolerated !== undefined ? seq.canaryRateUpper <= seq.tolerated : undefined} />
            </tr>
          )}
        </tbody>
      </table>
      <p class="verdict">
        <span class={`badge ${step.verdict ?? 'pending'}`}>{step.verdict ?? 'analysing'}</span>
        {m.decision && (
          <>
            {' '}
            decision <b>{m.decision}</b>
          </>
        )}
        {seq && (
          <>
            {' '}
            · sequential test: <b>{seq.outcome}</b>
            {typeof seq.evidence === 'number' && ` (evidence ${num(seq.evidence, 2)} of ${num(seq.evidenceNeeded, 0)} needed)`}
          </>
        )}
        {m.analyses !== undefined && <span class="muted"> · {m.analyses} analyses</span>}
      </p>
      {m.clusters && Object.keys(m.clusters).length > 1 && (
        <p class="clusters">
          by cluster:{' '}
          {Object.entries(m.clusters).map(([cluster, c]) => (
            <span key={cluster} class={`badge ${c.verdict}`} data-cluster={cluster}>
              {cluster} {c.verdict}
            </span>
          ))}
        </p>
      )}
      {(step.reasons ?? []).length > 0 && (
        <ul class="reasons">
          {step.reasons!.map((r, i) => (
            <li key={i}>{r}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Timeline({ d, planned }: { d: Deployment; planned: { weight: number; gate?: string; pauseSeconds?: number }[] }) {
  const count = Math.max(planned.length, d.steps.length);
  return (
    <ol class="timeline" aria-label="steps">
      {Array.from({ length: count }, (_, i) => {
        const step = d.steps.find((s) => s.index === i);
        const plan = planned[i];
        const current = d.currentStep === i && !ENDED.has(d.status);
        const state = step?.verdict === 'fail' ? 'fail' : step?.finishedAt ? 'pass' : step ? 'active' : 'todo';
        return (
          <li key={i} class={`step ${state} ${current ? 'current' : ''}`} data-step={i} data-state={state}>
            <div class="weight">{step?.weight ?? plan?.weight}%</div>
            <div class="muted">{plan?.gate === 'manual' ? 'manual gate' : plan?.pauseSeconds !== undefined ? `pause ${plan.pauseSeconds}s` : ''}</div>
            <div class="muted">{step ? `${time(step.startedAt)}${step.finishedAt ? ` – ${time(step.finishedAt)}` : ''}` : 'not started'}</div>
          </li>
        );
      })}
    </ol>
  );
}

const secs = (s: number | undefined) => (s === undefined ? '' : s < 120 ? `${s} s` : `${Math.round(s / 60)} min`);

/** A multi-cluster rollout's waves in order: clusters, status, each wave's steps as chips, and its bake. */
function Waves({ waves, ended }: { waves: WaveView[]; ended: boolean }) {
  return (
    <ol class="waves" aria-label="waves">
      {waves.map((w) => (
        <li key={w.index} class={`wave ${w.state} ${w.current && !ended ? 'current' : ''}`} data-wave={w.index} data-state={w.state}>
          <div>
            <b>wave {w.index + 1}</b> <span class="clusters-of">{w.clusters.join(', ')}</span>{' '}
            <span class={`badge ${w.status === 'released' ? 'pass' : w.status}`}>{w.status}</span>
          </div>
          <div class="chips">
            {w.steps.map((step) => (
              <span key={step.index} class={`chip ${stepState(step)}`} title={step.reasons?.join('; ')}>
                {step.weight}%
              </span>
            ))}
            {w.steps.length === 0 && <span class="muted">{w.state === 'todo' ? 'not started' : 'no step analysed'}</span>}
          </div>
          <div class="muted">
            {w.startedAt ? time(w.startedAt) : ''}
            {w.stepsSeconds !== undefined && ` · steps ${secs(w.stepsSeconds)}`}
          </div>
          <div class={`bake ${w.bake?.verdict ?? ''}`} data-bake={w.bake?.verdict ?? (w.bakeSeconds > 0 ? 'planned' : 'none')}>
            {bakeText(w)}
          </div>
        </li>
      ))}
    </ol>
  );
}

/** The analyses of a wave that is no longer under way, and of its bake. */
/** Each step's analysis, newest first. */
function StepAnalyses({ steps, limits }: { steps: DeploymentStep[]; limits: Limits }) {
  return (
    <>
      {[...steps].reverse().map((step) => (
        <div key={step.index}>
          <h4>
            step {step.index + 1} at {step.weight}%
          </h4>
          <Analysis step={step} limits={limits} />
        </div>
      ))}
    </>
  );
}

function WaveAnalyses({ w, limits }: { w: WaveView; limits: Limits }) {
  if (w.steps.length === 0 && !w.bake) return null;
  const bake = (w.bake?.metrics ?? {}) as StepMetrics;
  return (
    <details class="wave-analyses" data-wave={w.index}>
      <summary>
        wave {w.index + 1} ({w.clusters.join(', ')}):{' '}
        {[w.steps.length ? `${w.steps.length} steps` : '', w.bake ? `bake ${w.bake.verdict ?? 'under way'}` : ''].filter(Boolean).join(', ')}
      </summary>
      <StepAnalyses steps={w.steps} limits={limits} />
      {w.bake && (
        <div class="analysis">
          <h4>bake</h4>
          <p>
            <span class={`badge ${w.bake.verdict ?? 'pending'}`}>{w.bake.verdict ?? 'analysing'}</span> {w.bake.analyses} analyses over {w.bake.observedSeconds}{' '}
            s · canary error rate {pct(bake.canary?.errorRate, 2)} (≤ {pct(limits.maxErrorRate, 2)}), p99 {ms(bake.canary?.p99LatencyMs ?? undefined)} (≤{' '}
            {ms(limits.maxP99LatencyMs)})
          </p>
          {(w.bake.reasons ?? []).length > 0 && (
            <ul class="reasons">
              {w.bake.reasons!.map((r, i) => (
                <li key={i}>{r}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </details>
  );
}

export function RolloutPage({ name, id }: { name: string; id: string }) {
  const tick = useLive((e) => e.service === name, 1_000);
  const deployment = useLoad(() => api.deployment(name, id), [name, id, tick]);
  const service = useLoad(() => api.service(name), [name]);
  const [acting, setActing] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const d = deployment.data;
  // The deployment's own policy when it was requested with one, else the service's.
  const policy = d?.rolloutOverride ?? service.data?.spec.rollout;
  const limits = (policy?.analysis ?? {}) as Limits;
  const act = async (what: 'promote' | 'abort') => {
    setActing(what);
    setMessage(undefined);
    try {
      await (what === 'promote' ? api.promote(name, id) : api.abort(name, id));
      setMessage(what === 'promote' ? 'promote requested: the gate is released at the next analysis' : 'abort requested: traffic goes back to stable');
      deployment.reload();
    } catch (err) {
      setMessage((err as Error).message);
    } finally {
      setActing(undefined);
    }
  };
  const ended = d ? ENDED.has(d.status) : true;
  const waves = d ? waveViews(d, Number(policy?.bakeSeconds ?? 0)) : [];
  const currentWave = waves.find((w) => w.current);
  return (
    <section class="rollout-page">
      <h2>
        <a href={href.service(name)}>{name}</a> · deployment {id}
      </h2>
      {deployment.error && <p class="error">{deployment.error}</p>}
      {d && (
        <>
          <p>
            <span class={`badge ${d.status}`} data-status={d.status}>
              {d.status}
            </span>{' '}
            {d.strategy} to <b>{d.image}</b> from r{d.fromRevision}
            {d.toRevision !== undefined && <> → r{d.toRevision}</>}
            {d.currentWeight !== undefined && !ended && <> · canary at {d.currentWeight}%</>}
            {currentWave && !ended && (
              <>
                {' '}
                · wave {currentWave.index + 1} of {waves.length} ({currentWave.clusters.join(', ')})
              </>
            )}
            {d.requested && !ended && <span class="muted"> · {d.requested} requested</span>}
          </p>
          {d.reason && <p class="reason">{d.reason}</p>}
          <div class="actions">
            <button onClick={() => void act('promote')} disabled={ended || acting !== undefined}>
              Promote
            </button>
            <button class="danger" onClick={() => void act('abort')} disabled={ended || acting !== undefined}>
              Abort
            </button>
            {message && <span class="muted">{message}</span>}
          </div>
          {waves.length > 0 && (
            <>
              <h3>Waves</h3>
              <Waves waves={waves} ended={ended} />
              <h3>Steps of wave {(currentWave?.index ?? 0) + 1}</h3>
            </>
          )}
          <Timeline d={d} planned={policy?.steps ?? []} />
          <h3>Analyses{waves.length > 0 ? ` of wave ${(currentWave?.index ?? 0) + 1}` : ''}</h3>
          {limits.method && <p class="muted">method: {String(limits.method)}</p>}
          {d.steps.length === 0 && <p class="muted">no analysis yet</p>}
          <StepAnalyses steps={d.steps} limits={limits} />
          {currentWave?.bake && <WaveAnalyses w={{ ...currentWave, steps: [] }} limits={limits} />}
          {waves
            .filter((w) => !w.current)
            .map((w) => (
              <WaveAnalyses key={w.index} w={w} limits={limits} />
            ))}
        </>
      )}
    </section>
  );
}
