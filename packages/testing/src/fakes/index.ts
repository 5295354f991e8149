/**
 * HTTP fakes for tests: Slack, Vault, GitHub, a JSON inventory API, and the base server for your
 * own. Each listens on 127.0.0.1 (ephemeral port), records requests, takes scripted faults, and
 * must be closed by the test.
 */
export { FakeServer, Router, startFakeServer, bearerOf, formFields } from "./server.js";
export type { FakeRequest, FakeResponse, FaultSpec, Handler, RecordedRequest, FakeServerOptions } from "./server.js";
export { FakeSlack, startFakeSlack } from "./slack.js";
export type { FakeSlackOptions, SlackMessage, SlackFile } from "./slack.js";
export { FakeVault, startFakeVault } from "./vault.js";
export type { FakeVaultOptions } from "./vault.js";
export { FakeGitHub, startFakeGitHub } from "./github.js";
export type { FakeGitHubOptions, GitHubIssue, GitHubComment, GitHubStatus } from "./github.js";
export { InventoryServer, startInventoryServer } from "./inventory.js";
export type { InventoryItem, InventoryOptions } from "./inventory.js";
