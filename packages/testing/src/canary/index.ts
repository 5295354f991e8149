export { installSecretCanary, activeSecretCanary, formatLeak, SecretLeakError } from "./suite.js";
export type { SuiteCanary, SuiteLeak, Leak, CanaryStats } from "./suite.js";
