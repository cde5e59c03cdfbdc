import { expect } from "vitest";
import type { RecordedRequest, VllmLikeServer } from "./vllm-server.js";

/**
 * The agent printed the server's reply, and every chat request the server got was answered 200
 * with neither `tools` nor `tool_choice` in it. Returns those requests.
 */
export function expectReplyWithoutTools(server: VllmLikeServer, stdout: string): RecordedRequest[] {
  expect(stdout).toContain("pong from fake vllm");
  const sent = server.chatRequests();
  expect(sent.length).toBeGreaterThan(0);
  for (const request of sent) {
    expect(request.status).toBe(200);
    expect(request.body).not.toHaveProperty("tools");
    expect(request.body).not.toHaveProperty("tool_choice");
  }
  return sent;
}
