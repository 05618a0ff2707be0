/**
 * The control loop of the simulated cluster: on every tick, node lifecycle, deployment controller,
 * scheduler and kubelets reconcile in that order, then the traffic model counts the traffic of the
 * elapsed simulated time. Ticks run on a timer and when simulated time is moved forward.
 */
import { DeploymentController } from './deployment-controller.js';
import type { FaultState } from './faults.js';
import { Kubelet } from './kubelet.js';
import { trafficExposures } from './edge-traffic.js';
import { LoadBalancerController } from './load-balancer-controller.js';
import { NodeLifecycleController } from './node-lifecycle.js';
import type { ObjectStore } from './object-store.js';
import { SchedulingLoop } from './scheduling-loop.js';
import type { SimClock } from './clock.js';
import { trafficInputs } from './traffic-inputs.js';
import { type WorkloadTraffic, computeTraffic } from './traffic-model.js';
import type { WorkloadTelemetry } from './workload-telemetry.js';
import { computeZoneTraffic } from './zone-traffic.js';
import type { ZoneTelemetry } from './zone-telemetry.js';

export interface SimulationOptions {
  readyDelayMs: number;
  crashLoopRestartMs: number;
  nodeEvictionGraceMs: number;
  externalRps: number;
  /** Requests per second an exposed service receives from the edge (default: externalRps). */
  edgeRps?: number;
  baseErrorRate: number;
  baseP99LatencyMs: number;
  /** Istio's mesh-wide locality load balancing (`meshConfig.localityLbSetting.enabled`); default true, as in Istio. */
  meshLocalityLb?: boolean;
  /** Counts calls between zones (zone-traffic.ts) when present. */
  zoneTelemetry?: ZoneTelemetry;
}

/** The timer's pause after a tick is at least this many times the tick's own duration (see start). */
const TICK_PAUSE_FACTOR = 3;

/** Longest simulated step taken in one tick while moving time forward. */
const MAX_STEP_MS = 1_000;

export class Simulation {
  private readonly nodes: NodeLifecycleController;
  private readonly deployments: DeploymentController;
  private readonly scheduling: SchedulingLoop;
  private readonly kubelet: Kubelet;
  private readonly loadBalancers: LoadBalancerController;
  private lastTrafficAt: number;
  /** The traffic of the last tick, and the store and fault versions it was computed from. */
  private lastTraffic: { key: string; traffic: WorkloadTraffic[]; zones?: ReturnType<typeof computeZoneTraffic>; workloadKeys: Set<string> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Called with the traffic of every tick (synthetic logs use it). */
  onTraffic: ((simNow: number, traffic: readonly WorkloadTraffic[]) => void) | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly faults: FaultState,
    private readonly clock: SimClock,
    private readonly telemetry: WorkloadTelemetry,
    private readonly options: SimulationOptions,
  ) {
    this.nodes = new NodeLifecycleController(store, faults, options.nodeEvictionGraceMs);
    this.deployments = new DeploymentController(store);
    this.scheduling = new SchedulingLoop(store);
    this.kubelet = new Kubelet(store, faults, { readyDelayMs: options.readyDelayMs, crashLoopRestartMs: options.crashLoopRestartMs });
    this.loadBalancers = new LoadBalancerController(store);
    this.lastTrafficAt = clock.now();
  }

  /** One reconcile pass at the current simulated time. */
  tick(): void {
    const now = this.clock.now();
    // Timestamps written into objects are wall-clock time; durations (delays, grace periods) run on simulated time.
    const stamp = this.clock.wallNow();
    this.nodes.reconcile(now, stamp);
    this.deployments.reconcile(now, stamp);
    this.scheduling.reconcile(now, stamp);
    this.kubelet.reconcile(now, stamp);
    this.deployments.reconcile(now, stamp);
    this.scheduling.reconcile(now, stamp);
    this.loadBalancers.reconcile();
    this.countTraffic(now);
  }

  /**
   * Starts ticking every `intervalMs` of wall time, or less often when a tick is costly: the pause after
   * a tick is at least TICK_PAUSE_FACTOR times what the tick took, so the control loop never takes more
   * than a quarter of the event loop it shares with the process embedding the cluster (a pass over
   * 1,000 Deployments every 50 ms would take all of it, and every API request would wait behind it).
   */
  start(intervalMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.stopped = false;
    const schedule = (delayMs: number) => {
      this.timer = setTimeout(() => {
        const started = performance.now();
        try {
          this.tick();
        } catch (err) {
          // One bad object must not stop the cluster; the next tick tries again.
          console.error('simulated cluster: reconcile failed:', err);
        }
        if (!this.stopped) schedule(Math.max(intervalMs, (performance.now() - started) * TICK_PAUSE_FACTOR));
      }, delayMs);
      this.timer.unref();
    };
    schedule(intervalMs);
  }

  /** Stops the timer; a time jump in progress ends after its current step. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Moves simulated time forward in steps of at most a second, ticking after each and yielding to the
   * event loop between steps so the API keeps answering during long jumps.
   */
  async advance(seconds: number): Promise<void> {
    let remaining = seconds * 1000;
    while (remaining > 0 && !this.stopped) {
      const step = Math.min(MAX_STEP_MS, remaining);
      this.clock.advance(step);
      this.tick();
      remaining -= step;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private countTraffic(now: number): void {
    const dtSeconds = (now - this.lastTrafficAt) / 1000;
    if (dtSeconds < 0) return;
    this.lastTrafficAt = now;
    // The rates depend only on the objects and the traffic faults: while neither changed (most ticks of a
    // quiet cluster), the last tick's stand and only the counters move on.
    const key = `${this.store.currentResourceVersion()}/${this.faults.trafficVersion}`;
    if (this.lastTraffic?.key === key) {
      const { traffic, zones, workloadKeys } = this.lastTraffic;
      this.telemetry.advance(now, dtSeconds, traffic);
      if (this.options.zoneTelemetry && zones) this.options.zoneTelemetry.advance(now, dtSeconds, zones, workloadKeys);
      this.onTraffic?.(now, traffic);
      return;
    }
    const { workloads, virtualServices, destinationRules, serviceDistributions } = trafficInputs(this.store);
    const traffic = computeTraffic(
      workloads,
      virtualServices,
      destinationRules,
      {
        externalRps: this.options.externalRps,
        edgeRps: this.options.edgeRps,
        behaviour: (image) => {
          const fault = this.faults.trafficFault(image);
          return { errorRate: fault?.errorRate ?? this.options.baseErrorRate, p99LatencyMs: fault?.p99LatencyMs ?? this.options.baseP99LatencyMs };
        },
      },
      trafficExposures(this.store),
    );
    this.telemetry.advance(now, dtSeconds, traffic);
    const workloadKeys = new Set(traffic.map((t) => `${t.namespace}/${t.name}`));
    let zones: ReturnType<typeof computeZoneTraffic> | undefined;
    if (this.options.zoneTelemetry) {
      zones = computeZoneTraffic(workloads, traffic, destinationRules, serviceDistributions, { meshLocalityLb: this.options.meshLocalityLb });
      this.options.zoneTelemetry.advance(now, dtSeconds, zones, workloadKeys);
    }
    this.lastTraffic = { key, traffic, zones, workloadKeys };
    this.onTraffic?.(now, traffic);
  }
}
