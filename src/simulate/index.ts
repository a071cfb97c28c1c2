// The route-lookup simulator: what `ip route get` answers for a Plan, before anything is applied.
export { simulateRouteGet, routeGet } from './lookup.js';
export { simulateRouteGet6, routeGet6 } from './lookup6.js';
export { buildFibState, KERNEL_RULES } from './fib.js';
export { buildFibState6, KERNEL_RULES6, linkLocalOf, type FibState6, type InstalledRoute6, type SimAddress6 } from './fib6.js';
export { formatRouteGet, explainRouteGet, describeRoute, describeRule, describeSteps } from './format.js';
export { checkExpectations, builtinInboundChecks, type InboundCheck } from './expect.js';
export type {
  ApplyMode,
  ExpectationResult,
  FibState,
  InstalledRoute,
  KernelRoute,
  KernelRoute6,
  KernelRule,
  Loser,
  LoserReason,
  Mismatch,
  MissingRoute,
  RouteAnswer,
  RouteFailure,
  RouteFound,
  RouteGetQuery,
  RouteType,
  RuleStep,
  SimAddress,
  SimRoute,
  SimRule,
  SourceRuleStep,
  StateOptions,
} from './types.js';
export { simulateInbound, simulateArp, inbound, formatInbound, formatArp, explainArp, explainInbound, defaultArpSender, sysctlOn } from './inbound.js';
export type { InboundAnswer, InboundQuery, ArpAnswer, ArpQuery, SysctlOverrides, ReversePath } from './inbound.js';
