/**
 * Fault injection state: which images crash-loop or fail readiness, traffic faults per image, which
 * nodes and zones are down, and API error/latency injection with a seeded RNG. The controllers, the
 * traffic model and the HTTP front door read it; the /sim routes and `cluster.faults` write it.
 */
import * as z from 'zod';
import { SeededRandom } from './rng.js';

export const ImageFault = z.object({ image: z.string().min(1) });

export const TrafficFault = z.object({
  image: z.string().min(1),
  /** Fraction of requests answered 5xx (replaces the base error rate), 0..1. */
  errorRate: z.number().min(0).max(1).optional(),
  /** p99 latency in ms of the image's requests (replaces the base p99). */
  p99LatencyMs: z.number().positive().max(3_600_000).optional(),
});
export type TrafficFault = z.infer<typeof TrafficFault>;

export const ApiFault = z
  .object({
    /** Status answered for injected errors. */
    status: z.union([z.literal(500), z.literal(429), z.literal(503)]).default(500),
    /** Fraction of matching requests answered with `status`, 0..1. */
    rate: z.number().min(0).max(1).default(0),
    /** Regular expression a request path must match to be affected; all Kubernetes API paths when absent. */
    paths: z
      .string()
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, 'must be a valid regular expression')
      .optional(),
    /** Fraction of matching requests answered only after `timeoutMs`, 0..1. */
    timeoutRate: z.number().min(0).max(1).default(0),
    timeoutMs: z.number().int().min(0).max(600_000).default(30_000),
    /** Seed of the RNG that picks affected requests. */
    seed: z.number().int().default(1),
  })
  .refine((f) => f.rate > 0 || f.timeoutRate > 0, 'set rate and/or timeoutRate above 0');
export type ApiFaultInput = z.input<typeof ApiFault>;
export type ApiFault = z.output<typeof ApiFault>;

/** A fault request that does not validate, or names a node or zone that does not exist. */
export class FaultRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
    this.name = 'FaultRequestError';
  }
}

/** What happens to one API request. */
export type ApiFaultDecision = { delayMs: number; errorStatus?: 500 | 429 | 503 };

/** Node summary in `GET /sim/state`. */
export interface SimNodeState {
  name: string;
  zone: string;
  ready: boolean;
  pods: number;
  cpuRequestedMillis: number;
  memoryRequestedMiB: number;
}

/** The answer of `GET /sim/state`. */
export interface SimStateSummary {
  /** Simulated time, ISO 8601. */
  time: string;
  nodes: SimNodeState[];
  pods: { total: number; pending: number; running: number; ready: number };
  faults: ActiveFaults;
}

/** The faults currently in force. */
export interface ActiveFaults {
  crashLoopImages: string[];
  unreadyImages: string[];
  traffic: TrafficFault[];
  downNodes: string[];
  downZones: string[];
  api?: ApiFault;
}

/** Fault operations, the same as the /sim HTTP API. */
export interface SimFaults {
  /** Pods running `image` never become Ready; their restartCount grows (CrashLoopBackOff). */
  crashLoop(image: string): void;
  /** Pods running `image` run but fail readiness. */
  unready(image: string): void;
  /** Error rate and/or p99 latency of the traffic served by pods running `fault.image`. */
  traffic(fault: TrafficFault): void;
  nodeDown(name: string): void;
  nodeUp(name: string): void;
  zoneDown(zone: string): void;
  zoneUp(zone: string): void;
  /** Replaces the API fault: errors and/or slow answers at a rate, on paths matching a regex. */
  api(fault: ApiFaultInput): void;
  /** Clears every fault (nodes and zones come back up). */
  clear(): void;
  /** Nodes, pods per node and active faults. */
  state(): SimStateSummary;
}

/** Where faults are kept; `topology` tells which nodes and zones exist. */
export class FaultState {
  private readonly crashLoopImages = new Set<string>();
  private readonly unreadyImages = new Set<string>();
  private readonly trafficFaults = new Map<string, TrafficFault>();
  private readonly downNodes = new Set<string>();
  private readonly downZones = new Set<string>();
  private apiFault: { fault: ApiFault; pattern?: RegExp; rng: SeededRandom } | undefined;
  private trafficChanges = 0;

  constructor(private readonly topology: { nodeZone(name: string): string | undefined; zones(): string[] }) {}

  crashLoop(image: string): void {
    this.crashLoopImages.add(parse(ImageFault, { image }).image);
  }

  unready(image: string): void {
    this.unreadyImages.add(parse(ImageFault, { image }).image);
  }

  traffic(fault: TrafficFault): void {
    const f = parse(TrafficFault, fault);
    this.trafficFaults.set(f.image, f);
    this.trafficChanges++;
  }

  nodeDown(name: string): void {
    this.requireNode(name);
    this.downNodes.add(name);
  }

  nodeUp(name: string): void {
    this.requireNode(name);
    this.downNodes.delete(name);
  }

  zoneDown(zone: string): void {
    this.requireZone(zone);
    this.downZones.add(zone);
  }

  zoneUp(zone: string): void {
    this.requireZone(zone);
    this.downZones.delete(zone);
  }

  api(input: ApiFaultInput): void {
    const fault = parse(ApiFault, input);
    this.apiFault = { fault, pattern: fault.paths ? new RegExp(fault.paths) : undefined, rng: new SeededRandom(fault.seed) };
  }

  clear(): void {
    this.crashLoopImages.clear();
    this.unreadyImages.clear();
    this.trafficFaults.clear();
    this.trafficChanges++;
    this.downNodes.clear();
    this.downZones.clear();
    this.apiFault = undefined;
  }

  isCrashLooping(image: string): boolean {
    return this.crashLoopImages.has(image);
  }

  isUnready(image: string): boolean {
    return this.unreadyImages.has(image);
  }

  /** Grows whenever the traffic faults change: what the traffic model computed stands while it does not. */
  get trafficVersion(): number {
    return this.trafficChanges;
  }

  trafficFault(image: string): TrafficFault | undefined {
    return this.trafficFaults.get(image);
  }

  /** A node is down when taken down itself or when its zone is. */
  isNodeDown(name: string): boolean {
    const zone = this.topology.nodeZone(name);
    return this.downNodes.has(name) || (zone !== undefined && this.downZones.has(zone));
  }

  /** Decides the fate of one Kubernetes API request (draws from the seeded RNG only when it applies). */
  decideApiFault(path: string): ApiFaultDecision | undefined {
    const active = this.apiFault;
    if (!active || (active.pattern && !active.pattern.test(path))) return undefined;
    const { fault, rng } = active;
    const delayMs = fault.timeoutRate > 0 && rng.next() < fault.timeoutRate ? fault.timeoutMs : 0;
    const error = fault.rate > 0 && rng.next() < fault.rate ? fault.status : undefined;
    return delayMs > 0 || error ? { delayMs, errorStatus: error } : undefined;
  }

  active(): ActiveFaults {
    return {
      crashLoopImages: [...this.crashLoopImages].sort(),
      unreadyImages: [...this.unreadyImages].sort(),
      traffic: [...this.trafficFaults.values()],
      downNodes: [...this.downNodes].sort(),
      downZones: [...this.downZones].sort(),
      ...(this.apiFault ? { api: this.apiFault.fault } : {}),
    };
  }

  private requireNode(name: string): void {
    if (this.topology.nodeZone(name) === undefined) throw new FaultRequestError(`node "${name}" does not exist`, 404);
  }

  private requireZone(zone: string): void {
    if (!this.topology.zones().includes(zone)) throw new FaultRequestError(`zone "${zone}" does not exist`, 404);
  }
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new FaultRequestError(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return result.data;
}
