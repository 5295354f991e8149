/**
 * A fake GitHub REST API for Octokit (`new Octokit({ baseUrl: fake.url })`; GitHub Enterprise
 * style `baseUrl: fake.url + "/api/v3"` works too): issues (create, get), issue and pull request
 * comments, commit statuses. Answers as GitHub does: 401 `Bad credentials`, 404 `Not Found` for a
 * repository the token cannot see, 422 `Validation Failed`; rate limits are scripted faults
 * (`fail({ status: 403, headers: { "x-ratelimit-remaining": "0" } })` or 429 with `retryAfter`).
 *
 * @example
 * const gh = await startFakeGitHub({ tokens: ["ghp_test"], repos: ["acme/app"] });
 * await new Octokit({ auth: "ghp_test", baseUrl: gh.url }).rest.issues.create({ owner: "acme", repo: "app", title: "x" });
 * gh.issues[0]?.title; // "x"
 */
import type { FakeRequest, FakeResponse } from "./server.js";
import { FakeServer, bearerOf } from "./server.js";

export interface FakeGitHubOptions {
  /** Valid tokens. Default `["ghp_test"]`. */
  tokens?: string[];
  /** Repositories (`owner/name`) that exist. Default `["acme/app"]`. */
  repos?: string[];
}

export interface GitHubIssue {
  id: number;
  number: number;
  repo: string;
  title: string;
  body: string | null;
  labels: string[];
  assignees: string[];
  state: "open" | "closed";
  html_url: string;
}

export interface GitHubComment {
  id: number;
  repo: string;
  issueNumber: number;
  body: string;
  html_url: string;
}

export interface GitHubStatus {
  id: number;
  repo: string;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  target_url: string | null;
}

const STATES = ["error", "failure", "pending", "success"];
const DOCS = "https://docs.github.com/rest";

export class FakeGitHub extends FakeServer {
  readonly issues: GitHubIssue[] = [];
  readonly comments: GitHubComment[] = [];
  readonly statuses: GitHubStatus[] = [];
  readonly tokens: Set<string>;
  readonly repos: Set<string>;
  #id = 1000;

  private constructor(options: FakeGitHubOptions) {
    super({ errorBody: (status) => ({ message: status === 429 || status === 403 ? "API rate limit exceeded" : status >= 500 ? "Server Error" : "Error", documentation_url: DOCS, status: String(status) }) });
    this.tokens = new Set(options.tokens ?? ["ghp_test"]);
    this.repos = new Set(options.repos ?? ["acme/app"]);
    // GitHub Enterprise serves the same API under /api/v3.
    for (const prefix of ["", "/api/v3"]) {
      this.router
        .post(`${prefix}/repos/:owner/:repo/issues`, (req) => this.#guard(req, () => this.#createIssue(req)))
        .get(`${prefix}/repos/:owner/:repo/issues/:number`, (req) => this.#guard(req, () => this.#getIssue(req)))
        .post(`${prefix}/repos/:owner/:repo/issues/:number/comments`, (req) => this.#guard(req, () => this.#comment(req)))
        .post(`${prefix}/repos/:owner/:repo/statuses/:sha`, (req) => this.#guard(req, () => this.#status(req)))
        .get(`${prefix}/user`, (req) => this.#guard(req, () => ({ status: 200, body: { login: "capstan-bot", id: 1 } })));
    }
  }

  static async start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    const fake = new FakeGitHub(options);
    await fake.listen();
    return fake;
  }

  #guard(req: FakeRequest, next: () => FakeResponse): FakeResponse {
    const token = bearerOf(req);
    if (!token || !this.tokens.has(token)) return { status: 401, body: { message: token ? "Bad credentials" : "Requires authentication", documentation_url: DOCS, status: "401" } };
    if (req.params.owner !== undefined && !this.repos.has(`${req.params.owner}/${req.params.repo}`)) {
      return { status: 404, body: { message: "Not Found", documentation_url: DOCS, status: "404" } };
    }
    return next();
  }

  #createIssue(req: FakeRequest): FakeResponse {
    const b = (req.body ?? {}) as { title?: unknown; body?: unknown; labels?: unknown; assignees?: unknown };
    if (typeof b.title !== "string" || b.title === "") return invalid("Issue", "title");
    const repo = `${req.params.owner}/${req.params.repo}`;
    const number = this.issues.filter((i) => i.repo === repo).length + 1;
    const issue: GitHubIssue = {
      id: ++this.#id,
      number,
      repo,
      title: b.title,
      body: typeof b.body === "string" ? b.body : null,
      labels: Array.isArray(b.labels) ? b.labels.map((l) => (typeof l === "string" ? l : String((l as { name?: unknown }).name))) : [],
      assignees: Array.isArray(b.assignees) ? b.assignees.map(String) : [],
      state: "open",
      html_url: `https://github.example/${repo}/issues/${number}`,
    };
    this.issues.push(issue);
    return { status: 201, body: this.#issueJson(issue) };
  }

  #getIssue(req: FakeRequest): FakeResponse {
    const issue = this.issues.find((i) => i.repo === `${req.params.owner}/${req.params.repo}` && i.number === Number(req.params.number));
    return issue ? { status: 200, body: this.#issueJson(issue) } : { status: 404, body: { message: "Not Found", documentation_url: DOCS, status: "404" } };
  }

  #comment(req: FakeRequest): FakeResponse {
    const repo = `${req.params.owner}/${req.params.repo}`;
    const number = Number(req.params.number);
    if (!this.issues.some((i) => i.repo === repo && i.number === number)) return { status: 404, body: { message: "Not Found", documentation_url: DOCS, status: "404" } };
    const b = (req.body ?? {}) as { body?: unknown };
    if (typeof b.body !== "string" || b.body === "") return invalid("IssueComment", "body");
    const id = ++this.#id;
    const comment: GitHubComment = { id, repo, issueNumber: number, body: b.body, html_url: `https://github.example/${repo}/issues/${number}#issuecomment-${id}` };
    this.comments.push(comment);
    return { status: 201, body: { id, node_id: `IC_${id}`, body: comment.body, html_url: comment.html_url, issue_url: `${this.url}/repos/${repo}/issues/${number}`, user: { login: "capstan-bot" }, created_at: new Date().toISOString() } };
  }

  #status(req: FakeRequest): FakeResponse {
    const repo = `${req.params.owner}/${req.params.repo}`;
    const b = (req.body ?? {}) as { state?: unknown; context?: unknown; description?: unknown; target_url?: unknown };
    if (typeof b.state !== "string" || !STATES.includes(b.state)) return invalid("Status", "state", "invalid");
    if (!/^[0-9a-f]{7,40}$/i.test(req.params.sha ?? "")) return { status: 422, body: { message: `No commit found for SHA: ${req.params.sha}`, documentation_url: DOCS, status: "422" } };
    const status: GitHubStatus = {
      id: ++this.#id,
      repo,
      sha: req.params.sha!,
      state: b.state,
      context: typeof b.context === "string" ? b.context : "default",
      description: typeof b.description === "string" ? b.description : null,
      target_url: typeof b.target_url === "string" ? b.target_url : null,
    };
    this.statuses.push(status);
    return { status: 201, body: { id: status.id, state: status.state, context: status.context, description: status.description, target_url: status.target_url, url: `${this.url}/repos/${repo}/statuses/${status.sha}`, created_at: new Date().toISOString() } };
  }

  #issueJson(i: GitHubIssue): Record<string, unknown> {
    return {
      id: i.id,
      node_id: `I_${i.id}`,
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      labels: i.labels.map((name, n) => ({ id: n + 1, name })),
      assignees: i.assignees.map((login) => ({ login })),
      html_url: i.html_url,
      url: `${this.url}/repos/${i.repo}/issues/${i.number}`,
      user: { login: "capstan-bot" },
      created_at: new Date().toISOString(),
    };
  }
}

function invalid(resource: string, field: string, code = "missing_field"): FakeResponse {
  return { status: 422, body: { message: "Validation Failed", errors: [{ resource, code, field }], documentation_url: DOCS, status: "422" } };
}

export function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  return FakeGitHub.start(options);
}
