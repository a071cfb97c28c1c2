// The kernel harness: apply a rendered tree in a throw-away network namespace the way its
// consumer does, then ask the kernel. Shared by test/kernel and `netgen verify --kernel`.
export { kernelAvailable, type KernelAvailability } from './exec.js';
export { openKernelSession, withKernelSession, KernelSession, type SessionOptions } from './session.js';
export { materialiseTree, readTreeFromDir } from './tree.js';
export { answerText, compareAnswer, type ExpectedAnswer } from './probe.js';
export { checkExpectations, type ExpectationCheck, type ExpectationResult } from './expectations.js';
export { createSegment, liveNamespaces, reapStaleNamespaces, type Segment } from './namespace.js';
export { CONSUMERS, consumersOf, generationOf } from './types.js';
export type {
  AddressEntry,
  ApplyReport,
  CommandRecord,
  Consumer,
  KernelAddressHint,
  KernelLink,
  Probe,
  RouteAnswer,
  RuleEntry,
  TreeFile,
} from './types.js';
