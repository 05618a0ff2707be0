import { optimizerRunCounters } from '../../observability/optimizer-metrics.js';
import { errorMessage } from '../../errors.js';
import { newId } from '../../ids.js';
import { evaluate } from '../../placement/cost.js';
import { HeuristicSolver } from '../../placement/heuristic-solver.js';
import { IlpSolver } from '../../placement/ilp-solver.js';
import { JointIlpSolver } from '../../placement/joint-ilp-solver.js';
import { JointHeuristicSolver } from '../../placement/joint-solver.js';
import { planMoves, type PlannedMove } from '../../placement/move-plan.js';
import { costSummary, OPTIMIZER_DOC, OPTIMIZER_RUN_TTL_SECONDS, OptimizerRunRequest, type OptimizerRun } from './optimizer-run.js';

export { OPTIMIZER_DOC, OptimizerRunRequest, type OptimizerRun };
import type { Solver } from '../../placement/solver.js';
import { resolveCluster } from '../shared/resolve-cluster.js';
import { isMultiCluster, serviceClusterIds } from '../../model/service-clusters.js';
import { auditEvent } from '../shared/mutate.js';
import type { AuditLog } from '../../ports/audit-log.js';
import type { ClusterStore } from '../../ports/cluster-store.js';
import type { DocumentStore } from '../../ports/document-store.js';
import type { ServiceStore } from '../../ports/service-store.js';
import type { RolloutDeps } from '../shared/rollout-deps.js';
import { applyMoves } from './apply-moves.js';
import { applyRouting, zoneRegions } from './apply-routing.js';

/** The store ports a run uses: services to read and pin, clusters, the stored plan, and the audit trail. */
export type OptimizerStore = ServiceStore & ClusterStore & DocumentStore & AuditLog;
import { buildPlacementInstance } from './build-placement-instance.js';
import { readObservedTraffic } from './observed-traffic.js';

const ILP_MAX_REPLICAS = 60;
/** Time for applying moves (each waits for its replacement pod), well inside the optimizer function's 300 s. */
const APPLY_BUDGET_MS = 150_000;

/**
 * One optimizer run: read where every replica runs, solve for a placement with less communication cost
 * (traffic × network distance) under capacity, spread and pins, keep at most `maxMoves` moves (the
 * ones that save most first, each intermediate state feasible), store the plan, and unless it is a dry
 * run apply it one pod at a time (apply-moves.ts). Services in a rollout are never touched.
 */
export async function runOptimizer(deps: RolloutDeps<OptimizerStore>, request: OptimizerRunRequest, runId?: string): Promise<OptimizerRun> {
  const startedAt = deps.clock.now().toISOString();
  // A run started through the API takes its operation's id, so the plan is found from the operation.
  const id = runId ?? newId('opt', deps.clock.now());
  const base = { id, dryRun: request.dryRun, moves: [] as PlannedMove[], frozen: [] as OptimizerRun['frozen'], appliedServices: [] as string[], startedAt };
  const finish = async (run: Omit<OptimizerRun, 'finishedAt'>): Promise<OptimizerRun> => {
    const done = { ...run, finishedAt: deps.clock.now().toISOString() };
    // Listed by when it started: GET /v1/optimizer/runs, newest first.
    await deps.store.putDocument(OPTIMIZER_DOC, id, done, null, OPTIMIZER_RUN_TTL_SECONDS, done.startedAt);
    for (const counter of optimizerRunCounters(done)) deps.telemetry?.count(counter);
    return done;
  };
  try {
    const cluster = await resolveCluster(deps.store, request.cluster);
    if (!cluster) return finish({ ...base, status: 'failed', solver: request.solver, reason: 'no cluster is registered' });
    const client = await deps.clusters.forCluster(cluster);
    // Services that name no cluster run on the default one (resolveCluster's rule), and only there.
    const defaultCluster = await resolveCluster(deps.store, undefined);
    // A service in several clusters has one placement for all of them: node names of one cluster mean
    // nothing in another, so the optimizer leaves such services to each cluster's scheduler.
    const services = (await deps.store.listAllServices()).filter((s) => {
      if (isMultiCluster(s.spec)) return false;
      const [named] = serviceClusterIds(s.spec);
      return named ? named === cluster.id : defaultCluster?.id === cluster.id;
    });
    // Every pod, not only meshplane's: the others take node capacity too.
    const [nodes, pods] = await Promise.all([client.listNodes(), client.listPods(undefined)]);
    const observed = await readObservedTraffic(deps.metrics, services, request.trafficWindowSeconds);
    const snapshot = buildPlacementInstance(services, nodes, pods, {
      migrationCost: request.migrationCost,
      maxNodeShare: request.maxNodeShare,
      observed: observed.calls,
    });
    const edges = snapshot.instance.traffic ?? [];
    const observedPairs = new Set(observed.calls.map((c) => `${c.from}>${c.to}`));
    const traffic = {
      edges: edges.length,
      observedEdges: edges.filter((e) => observedPairs.has(`${e.from}>${e.to}`)).length,
      windowSeconds: observed.windowSeconds,
      ...(observed.unavailable ? { unavailable: observed.unavailable } : {}),
    };
    // Fixed pins (frozen services) are in the model for their traffic but cannot move.
    const replicas = snapshot.instance.services.reduce((n, s) => n + (s.fixed ? 0 : s.replicas), 0);
    if (replicas === 0)
      return finish({
        ...base,
        cluster: cluster.id,
        status: 'nothingToDo',
        solver: request.solver,
        frozen: snapshot.frozen,
        traffic,
        reason: 'no service can be moved',
      });

    const small = replicas <= ILP_MAX_REPLICAS;
    const useIlp = request.solver === 'ilp' || (request.solver === 'auto' && small) || (request.solver === 'joint' && small);
    let solver: Solver =
      request.solver === 'joint' ? (small ? new JointIlpSolver() : new JointHeuristicSolver()) : useIlp ? new IlpSolver() : new HeuristicSolver();
    const deadline = Date.now() + request.timeLimitMs;
    let result = await solver.solve(snapshot.instance, { timeLimitMs: request.timeLimitMs, seed: 1 });
    if (!result.assignment && useIlp) {
      // The fallback shares the one budget, so a run never outlives the request that started it.
      solver = request.solver === 'joint' ? new JointHeuristicSolver() : new HeuristicSolver();
      result = await solver.solve(snapshot.instance, { timeLimitMs: Math.max(200, deadline - Date.now()), seed: 1 });
    }
    const before = evaluate(snapshot.instance, snapshot.current);
    if (!result.assignment)
      return finish({
        ...base,
        cluster: cluster.id,
        status: 'failed',
        solver: solver.name,
        solveStatus: result.status,
        frozen: snapshot.frozen,
        traffic,
        costBefore: costSummary(before),
        reason: result.message ?? 'no feasible placement found',
      });

    const plan = planMoves(snapshot.instance, snapshot.current, result.assignment, request.maxMoves);
    const routing = result.routing && Object.keys(result.routing).length > 0 ? result.routing : undefined;
    const run: Omit<OptimizerRun, 'finishedAt'> = {
      ...base,
      cluster: cluster.id,
      status: plan.moves.length === 0 && !routing ? 'nothingToDo' : request.dryRun ? 'planned' : 'applied',
      solver: solver.name,
      solveStatus: result.status,
      gap: result.gap,
      solveTimeMs: result.timeMs,
      costBefore: costSummary(plan.before),
      costAfterPlan: costSummary(plan.after),
      costOptimal: result.cost ? costSummary(result.cost) : undefined,
      moves: plan.moves,
      remainingMoves: plan.remaining,
      frozen: snapshot.frozen,
      traffic,
      ...(routing ? { routing } : {}),
    };
    if (!request.dryRun && plan.moves.length > 0) {
      // One pod per move: evict it (honouring its PodDisruptionBudget) with the target node labelled as
      // the place to replace it; the pod template is never edited, so no other pod restarts.
      const byName = new Map(services.map((s) => [s.name, s]));
      const applied = await applyMoves(client, plan.moves, (service) => byName.get(service)?.spec.namespace ?? 'default', {
        deadline: Date.now() + APPLY_BUDGET_MS,
        now: () => Date.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        // A rollout that started since the listing owns the service's pods now; a removed service has none.
        mayMove: async (service) => {
          const record = await deps.store.getService(service);
          return record !== undefined && record.phase !== 'deleted' && !record.traffic;
        },
      });
      run.appliedMoves = applied;
      run.appliedServices = [...new Set(applied.filter((m) => m.outcome === 'moved' || m.outcome === 'landedElsewhere').map((m) => m.service))].sort();
      const events = run.appliedServices.map((service) => {
        const done = applied.filter((m) => m.service === service && m.pod && m.landedOn);
        const text = done.map((m) => `${m.pod} ${m.fromNode} → ${m.landedOn}`).join(', ');
        return auditEvent(deps, service, 'Moved', `optimizer run ${id} moved ${done.length} pod(s) of ${service}, one at a time: ${text}`, { runId: id });
      });
      if (events.length > 0) await deps.store.appendEvents(events);
      if (run.appliedServices.length === 0 && !routing) {
        run.status = 'nothingToDo';
        run.reason = 'no move could be applied: every service the plan moves started a rollout, was removed, or its disruption budget refused';
      }
    }
    if (!request.dryRun && routing) {
      // After the moves, so the routing lands on the placement it was chosen for.
      const modelled = snapshot.instance.services.map((s) => s.name);
      run.appliedRouting = await applyRouting(deps, routing, modelled, id, zoneRegions(nodes));
      if (run.appliedServices.length === 0 && !run.appliedRouting.some((r) => r.outcome === 'applied')) run.status = 'nothingToDo';
    }
    return finish(run);
  } catch (err) {
    return finish({ ...base, status: 'failed', solver: request.solver, reason: errorMessage(err) });
  }
}
