import * as z from 'zod';

/**
 * How a service's callers in one zone split their calls over the callee's zones, in whole percent
 * summing to 100. Rendered as one entry of Istio's DestinationRule
 * `trafficPolicy.loadBalancer.localityLbSetting.distribute` (zone names here; the renderer adds the region).
 */
export const ZoneDistribution = z
  .object({
    from: z.string().min(1),
    to: z.record(z.string().min(1), z.number().int().min(0).max(100)),
  })
  .refine((d) => Object.values(d.to).reduce((a, b) => a + b, 0) === 100, { message: 'the shares of a zone distribution must sum to 100' });
export type ZoneDistribution = z.infer<typeof ZoneDistribution>;

/**
 * The routing decided for calls to one service (the callee):
 * - `uniform`: round-robin over all endpoints (today's behaviour, no locality settings rendered);
 * - `preferSameZone`: same-zone endpoints first, other zones only when the local ones fail
 *   (Istio locality failover / Kubernetes `trafficDistribution: PreferSameZone`);
 * - `distribute`: the optimizer's explicit split per caller zone.
 */
export const LocalityRouting = z.object({
  mode: z.enum(['uniform', 'preferSameZone', 'distribute']),
  distribute: z.array(ZoneDistribution).optional(),
});
export type LocalityRouting = z.infer<typeof LocalityRouting>;

/** The routing decision of an optimizer run: per callee service name. Services not named keep `uniform`. */
export const RoutingDecision = z.record(z.string().min(1), LocalityRouting);
export type RoutingDecision = z.infer<typeof RoutingDecision>;
