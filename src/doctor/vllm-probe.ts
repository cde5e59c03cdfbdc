/** The body vLLM answers with when it runs without `--enable-auto-tool-choice --tool-call-parser`. */
export const AUTO_TOOL_CHOICE_SIGNATURE = /"?auto"? tool choice requires --enable-auto-tool-choice/;

export interface ProbeResult {
  /** The chat completions URL asked (query removed). */
  url: string;
  /** enabled: the server accepted a request with one tool and tool_choice auto. */
  toolCalling: "enabled" | "disabled" | "unknown";
  model: string | null;
  status: number | null;
  /** One line on what happened (server message truncated; no header or key ever printed). */
  detail: string;
  error?: string;
}

/** `http://host:8001`, `http://host:8001/v1` or `…/v1/chat/completions` → the `/v1` base. */
export function v1Base(url: string): string {
  const u = new URL(url);
  u.search = "";
  u.hash = "";
  let path = u.pathname.replace(/\/+$/, "");
  path = path.replace(/\/chat\/completions$/, "");
  if (!/\/v1$/.test(path)) path = `${path}/v1`;
  u.pathname = path;
  return u.toString().replace(/\/+$/, "");
}

async function fetchJson(url: string, init: RequestInit, timeoutMs: number): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/**
 * One tiny chat request with one dummy tool (tool_choice "auto", max_tokens 1) to a vLLM
 * server. The served model comes from /v1/models. An API key is taken from VLLM_API_KEY
 * (or OPENAI_API_KEY) when set and never printed.
 */
export async function probeVllm(baseUrl: string, env: NodeJS.ProcessEnv, timeoutMs = 5000): Promise<ProbeResult> {
  let base: string;
  try {
    base = v1Base(baseUrl);
  } catch {
    return { url: baseUrl, toolCalling: "unknown", model: null, status: null, detail: "not a URL", error: "invalid URL" };
  }
  const url = `${base}/chat/completions`;
  const key = env.VLLM_API_KEY || env.OPENAI_API_KEY;
  const headers: Record<string, string> = { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) };
  let model: string | null = null;
  try {
    const models = await fetchJson(`${base}/models`, { headers }, timeoutMs);
    if (models.status === 401 || models.status === 403) {
      return {
        url,
        toolCalling: "unknown",
        model,
        status: models.status,
        detail: `the server wants an API key (HTTP ${models.status}): set VLLM_API_KEY`,
      };
    }
    model = typeof models.body?.data?.[0]?.id === "string" ? models.body.data[0].id : null;
    if (!model)
      return {
        url,
        toolCalling: "unknown",
        model,
        status: models.status,
        detail: `GET ${base}/models did not list a model (HTTP ${models.status})`,
      };
    const body = {
      model,
      messages: [{ role: "user", content: "ping" }],
      tools: [
        {
          type: "function",
          function: {
            name: "clawmend_probe",
            description: "clawmend doctor probe; never called",
            parameters: { type: "object", properties: {} },
          },
        },
      ],
      tool_choice: "auto",
      max_tokens: 1,
      temperature: 0,
      stream: false,
    };
    const r = await fetchJson(url, { method: "POST", headers, body: JSON.stringify(body) }, timeoutMs);
    const message = String(r.body?.error?.message ?? r.body?.message ?? r.body?.detail ?? r.text)
      .replace(/\s+/g, " ")
      .slice(0, 200);
    if (r.status >= 200 && r.status < 300) {
      return { url, toolCalling: "enabled", model, status: r.status, detail: 'the server accepted a tool with tool_choice "auto"' };
    }
    if (r.status === 400 && (AUTO_TOOL_CHOICE_SIGNATURE.test(message) || AUTO_TOOL_CHOICE_SIGNATURE.test(r.text))) {
      return { url, toolCalling: "disabled", model, status: r.status, detail: `HTTP 400: ${message}` };
    }
    return { url, toolCalling: "unknown", model, status: r.status, detail: `HTTP ${r.status}: ${message}` };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } };
    const reason =
      e.name === "TimeoutError"
        ? `no answer within ${timeoutMs / 1000}s`
        : (e.cause?.code ?? e.cause?.errors?.[0]?.code ?? e.cause?.message ?? e.message);
    return { url, toolCalling: "unknown", model, status: null, detail: `cannot reach ${base}: ${reason}`, error: reason };
  }
}
